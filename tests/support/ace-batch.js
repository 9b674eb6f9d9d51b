// Runs DAISY Ace over many books with one Node process and one Chromium.
//
// Ace's command line checks one book and starts a browser for it, which costs about four
// seconds a book here, most of the test suite's Ace time. This driver calls Ace's library
// the way its command line does, but keeps the browser open from one book to the next.
//
// Usage: node ace-batch.js <ace's node_modules> <report folder> <book>...
// Book number i gets its report at <report folder>/<i>/report.json; a book Ace could not
// check gets none, and the caller checks it again on its own.
'use strict';

const path = require('path');
const { createRequire } = require('module');

const [nodeModules, reportRoot, ...books] = process.argv.slice(2);
const aceRequire = createRequire(path.join(path.resolve(nodeModules), 'ace-batch.js'));
const ace = aceRequire('@daisy/ace-core');
const logger = aceRequire('@daisy/ace-logger');
const puppeteerRunner = aceRequire('@daisy/ace-axe-runner-puppeteer');

// Ace launches and closes its runner around every book; this runner launches once.
let launched = null;
const sharedRunner = {
    ...puppeteerRunner,
    concurrency: puppeteerRunner.concurrency,
    launch: () => {
        launched = launched || puppeteerRunner.launch();
        return launched;
    },
    close: () => Promise.resolve(),
};

// Books checked at once: the browser's pages wait on each other less than on the cores.
const BOOKS_AT_ONCE = 2;

async function check(index, book) {
    try {
        await ace(book, {
            cwd: process.cwd(),
            outdir: path.join(reportRoot, String(index)),
            silent: true,
            jobId: '',
        }, sharedRunner);
    } catch (err) {
        console.error(`${book}: ${err && err.message ? err.message : err}`);
    }
}

(async () => {
    logger.initLogger({ verbose: false, silent: true });
    let next = 0;
    const worker = async () => {
        while (next < books.length) {
            const index = next++;
            await check(index, books[index]);
        }
    };
    await Promise.all(Array.from({ length: BOOKS_AT_ONCE }, worker));
    if (launched) {
        await launched.then(() => puppeteerRunner.close()).catch(() => {});
    }
    process.exit(0);
})();
