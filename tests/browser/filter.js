// Drives the page's filter box in headless Chromium for tests/e2e_browser.rs: types each
// query of QUERIES (a JSON list) into the box, and prints, as one JSON object, which
// families are visible after each, keyed by the query. Takes a screenshot of the page as
// loaded first.
//
// Environment: PLAYWRIGHT_CORE (the package's directory), CHROMIUM (the browser binary),
// PAGE_URL, QUERIES, SCREENSHOT (where to write the PNG).
'use strict';

const { chromium } = require(process.env.PLAYWRIGHT_CORE);

async function visibleFamilies(page) {
  const visible = [];
  for (const family of await page.locator('section.family').all()) {
    if (await family.isVisible()) {
      visible.push(await family.getAttribute('data-name'));
    }
  }
  return visible;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(process.env.PAGE_URL);
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
    const filter = page.locator('#filter');
    const seen = { '': await visibleFamilies(page) };
    for (const query of JSON.parse(process.env.QUERIES)) {
      await filter.fill('');
      // Typed key by key, as a person would, so each keystroke's input event runs.
      await filter.pressSequentially(query);
      seen[query] = await visibleFamilies(page);
    }
    seen.title = await page.title();
    process.stdout.write(JSON.stringify(seen) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + '\n');
  process.exit(1);
});
