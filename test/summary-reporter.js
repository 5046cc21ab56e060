// Mocha reporter: the usual spec output, plus a JSON file with the counts (path in MOCHA_SUMMARY_FILE) that
// test/run-all.js adds up across levels. Used by the unit suite and by the suite inside the extension host.
const fs = require('fs');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, skipped: 0, failures: [], skippedTitles: [] };
    runner.on(EVENT_TEST_PASS, () => counts.passed++);
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      counts.failed++;
      counts.failures.push(`${test.fullTitle()}: ${err && err.message}`);
    });
    runner.on(EVENT_TEST_PENDING, (test) => {
      counts.skipped++;
      counts.skippedTitles.push(test.fullTitle());
    });
    runner.once(EVENT_RUN_END, () => {
      const file =
        (options && options.reporterOptions && options.reporterOptions.summaryFile) || process.env.MOCHA_SUMMARY_FILE;
      if (file) fs.writeFileSync(file, JSON.stringify(counts, null, 2));
    });
  }
}
module.exports = SummaryReporter;
