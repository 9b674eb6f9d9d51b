// Runs EPUBCheck on many books in one Java process.
//
// EPUBCheck spends about seven seconds of CPU starting (loading and compiling its schemas)
// and a tenth of a second on each small book after that, so the tests share Java processes:
//
//   java -cp epubcheck.jar EpubCheckBatch.java BOOK...
//       checks the books and exits;
//   java -cp epubcheck.jar EpubCheckBatch.java --serve SOCKET
//       keeps one process for a whole test run (`scripts/test` starts it): each connection
//       to the Unix socket SOCKET sends book paths, one a line, then an empty line, and
//       gets the same report as the batch. Connections are served side by side, each on a
//       thread of its own with EPUBCheck objects of its own. It exits when it is stopped,
//       or when nobody has asked anything for ten minutes (a run that was killed).
//
// For each book the report is "=== <fatals> <errors> <warnings> <path>", then EPUBCheck's
// messages for that book.

import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.WriterReportImpl;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

public class EpubCheckBatch {
    static final long IDLE_LIMIT_MS = TimeUnit.MINUTES.toMillis(10);
    static final AtomicLong lastActive = new AtomicLong(System.currentTimeMillis());

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        // EPUBCheck prints informational lines straight to standard output: drop them.
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        if (args.length == 2 && args[0].equals("--serve")) {
            serve(Path.of(args[1]));
            return;
        }
        PrintWriter writer = new PrintWriter(out);
        for (String path : args) {
            check(path, writer);
        }
        writer.flush();
    }

    static void check(String path, Writer to) {
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
        PrintWriter header = new PrintWriter(to);
        header.println("=== " + fatals + " " + report.getErrorCount() + " "
                + report.getWarningCount() + " " + path);
        header.print(messages);
        header.flush();
    }

    static void serve(Path socket) throws Exception {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(socket);
            } catch (Exception ignored) {
            }
        }));
        Thread idle = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    return;
                }
                if (System.currentTimeMillis() - lastActive.get() > IDLE_LIMIT_MS) {
                    System.exit(0);
                }
            }
        });
        idle.setDaemon(true);
        idle.start();
        while (true) {
            SocketChannel client = server.accept();
            lastActive.set(System.currentTimeMillis());
            Thread worker = new Thread(() -> answer(client));
            worker.setDaemon(true);
            worker.start();
        }
    }

    static void answer(SocketChannel client) {
        try (client) {
            BufferedReader request = new BufferedReader(
                    new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
            Writer reply = Channels.newWriter(client, StandardCharsets.UTF_8);
            String line;
            while ((line = request.readLine()) != null && !line.isEmpty()) {
                check(line, reply);
                lastActive.set(System.currentTimeMillis());
            }
            reply.flush();
        } catch (Exception failure) {
            failure.printStackTrace();
        }
    }
}
