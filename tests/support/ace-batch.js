// Runs DAISY Ace over many books with one Node process and one Chromium.
//
// Ace checks a book by opening each of its content documents in a browser page, adding
// axe-core and its own extraction scripts, and running them; it takes the browser from an
// "axe runner" it is given, and its command line gives it one that starts a browser for every
// book. Most of the suite's Ace time went to that start and, for every document, to a new
// page and to sending and compiling 1.3 MB of axe-core again. This driver calls Ace's
// library as its command line does, with the same checks and the same report, but with a
// runner of its own that
// - starts Chromium once, for every book;
// - keeps its pages: a page done with one document goes on to the next;
// - has each page load the scripts itself at the start of every document
//   (`evaluateOnNewDocument`), so they cross from Node once per page and Chromium compiles
//   them from its cache.
// It asks Ace for the report's data, not its files: Ace's HTML report, and the copy of its
// assets that comes with it, are written synchronously for every book and nobody reads
// them here.
//
// Usage: node ace-batch.js <ace's node_modules> <report folder> <book>...
// Book number i gets its report at <report folder>/<i>/report.json; a book Ace could not
// check gets none, and the caller checks it again on its own.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [nodeModules, reportRoot, ...books] = process.argv.slice(2);
const aceRequire = createRequire(path.join(path.resolve(nodeModules), 'ace-batch.js'));
const ace = aceRequire('@daisy/ace-core');
const logger = aceRequire('@daisy/ace-logger');
const puppeteer = aceRequire('puppeteer');

// Books checked at once: the browser's pages wait on each other more than on the cores
// (40 books: 45 s two at a time, 39–40 s three, four or six at a time).
const BOOKS_AT_ONCE = 3;
// Documents of one book checked at once, as Ace's own puppeteer runner does.
const PAGES_PER_BOOK = 4;

// Ace's own limits, from the same variables: the browser's start, then each call into it.
const START_TIMEOUT = Number(process.env.ACE_TIMEOUT_INITIAL) || 5000;
const CALL_TIMEOUT = Number(process.env.ACE_TIMEOUT_EXTENSION) || 240000;

let launching = null;
let browser = null;
// Pages ready for another document, by the scripts they load.
const idlePages = new Map();
// Ace's script files, read once.
const scriptFiles = new Map();

function scriptFile(file) {
    if (!scriptFiles.has(file)) {
        scriptFiles.set(file, fs.readFileSync(file, 'utf8'));
    }
    return scriptFiles.get(file);
}

async function newPage(scriptSource) {
    const page = await browser.newPage();
    // As Ace's runner does: nothing is fetched from the network, and a `.html` document
    // of a book is read as the XHTML it is.
    await page.setRequestInterception(true);
    page.on('request', (request) => {
        const url = request.url();
        if (/^https?:\/\//.test(url)) {
            request.abort();
            return;
        }
        if (request.resourceType() === 'document' && /^file:\//.test(url) && /\.html?$/.test(url)) {
            fs.readFile(new URL(url), 'utf8', (err, body) => {
                if (err) {
                    request.continue();
                } else {
                    request.respond({ status: 200, contentType: 'application/xhtml+xml', body });
                }
            });
            return;
        }
        request.continue();
    });
    await page.evaluateOnNewDocument(scriptSource);
    return page;
}

function runAce() {
    return new Promise((resolve, reject) => {
        window.daisy.ace.run((err, result) => (err ? reject(err) : resolve(result)));
    });
}

const runner = {
    concurrency: PAGES_PER_BOOK,
    setTimeout: () => {},
    launch: async () => {
        launching = launching || puppeteer.launch({
            args: ['--no-sandbox', '--disable-setuid-sandbox'],
            headless: true,
            timeout: START_TIMEOUT,
            protocolTimeout: CALL_TIMEOUT,
        });
        browser = await launching;
    },
    // Ace closes its runner after every book; this one stays open for the next.
    close: async () => {},
    run: async (url, scripts, scriptContents) => {
        // Locale strings and switches first, then the scripts, in Ace's order.
        const source = [...scriptContents, ...scripts.map(scriptFile)].join('\n;\n');
        const pages = idlePages.get(source) || [];
        idlePages.set(source, pages);
        const page = pages.pop() || (await newPage(source));
        let result;
        try {
            await page.goto(url);
            result = await page.evaluate(runAce);
        } catch (err) {
            await page.close().catch(() => {});
            throw err;
        }
        pages.push(page);
        return result;
    },
};

async function check(index, book) {
    const report = path.join(reportRoot, String(index), 'report.json');
    try {
        const [, json] = await ace(book, { cwd: process.cwd(), silent: true, jobId: '' }, runner);
        fs.mkdirSync(path.dirname(report), { recursive: true });
        fs.writeFileSync(report, JSON.stringify(json));
    } catch (err) {
        console.error(`${book}: ${err && err.message ? err.message : err}`);
    }
}

(async () => {
    logger.initLogger({ verbose: false, silent: true });
    // Without an output folder Ace prints each report, and nothing else here prints: the
    // reports are taken from Ace's answers instead.
    process.stdout.write = () => true;
    let next = 0;
    const worker = async () => {
        while (next < books.length) {
            const index = next++;
            await check(index, books[index]);
        }
    };
    await Promise.all(Array.from({ length: BOOKS_AT_ONCE }, worker));
    if (browser) {
        await browser.close().catch(() => {});
    }
    process.exit(0);
})();
