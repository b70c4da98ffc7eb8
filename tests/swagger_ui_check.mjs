// Drives the reference server's Swagger UI in headless Chromium (playwright-core) and prints
// what it saw as one JSON line. Run by tests/test_docs_swagger_ui.py:
//   node swagger_ui_check.mjs <ui url> <token> <operation element id> <screenshot path>
// Environment: CHROMIUM (executable path, default /usr/bin/chromium).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [uiUrl, token, operationElementId, screenshotPath] = process.argv.slice(2);
if (!screenshotPath) {
  console.error("usage: node swagger_ui_check.mjs <ui url> <token> <operation id> <png path>");
  process.exit(2);
}

// Chromium as root in a container: no sandbox, no GPU, nothing fetched in the background, and a
// fresh profile each run.
const userDataDir = mkdtempSync(join(tmpdir(), "swagger-ui-chromium-"));
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args,
  viewport: { width: 1280, height: 900 },
});
const result = {};
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30000);
  await page.goto(uiUrl, { waitUntil: "load" });

  // Every operation of the document is listed.
  await page.locator(".opblock").first().waitFor();
  const operations = page.locator(".opblock");
  result.operations = await operations.count();
  result.operationPaths = await operations.evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector(".opblock-summary-method")?.textContent?.trim();
      const path = block.querySelector(".opblock-summary-path")?.getAttribute("data-path");
      return `${method} ${path}`;
    }),
  );

  // Authorize with the token (the http bearer scheme's value field).
  await page.locator(".auth-wrapper .authorize").click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.locator("input").first().fill(token);
  await dialog.locator(".auth-btn-wrapper .authorize").click();
  // Authorized: the dialog offers "Logout" instead of "Authorize", the lock is closed.
  await dialog.getByRole("button", { name: "Logout" }).waitFor();
  await dialog.locator(".btn-done").first().click();
  result.authorized = (await page.locator(".auth-wrapper .authorize.locked").count()) === 1;

  // Try it out on the operation and execute it.
  const operation = page.locator(`#${operationElementId}`);
  await operation.locator(".opblock-summary").first().click();
  await operation.locator(".try-out__btn").click();
  // Swagger UI pre-fills parameters with the document's examples; ask for the plain first page.
  const inputs = operation.locator(".parameters input[type=text]");
  for (let index = 0; index < (await inputs.count()); index += 1) {
    await inputs.nth(index).fill("");
  }
  await operation.locator(".execute").click();
  const live = operation.locator(".live-responses-table .response").first();
  await live.waitFor();
  result.status = Number((await live.locator(".response-col_status").textContent()).trim());
  result.body = (await live.locator(".response-col_description pre").first().textContent()).trim();
  result.requestUrl = (await operation.locator(".request-url pre").first().textContent()).trim();
  result.curl = (await operation.locator(".curl-command pre, .curl").first().textContent()).trim();

  // The picture: the UI's header (authorized) and the operation with its live response.
  const region = await page.evaluate((id) => {
    const operationBox = document.getElementById(id).getBoundingClientRect();
    const response = document.querySelector(`#${id} .live-responses-table`);
    const responseBox = response.getBoundingClientRect();
    const top = window.scrollY + operationBox.top - 80;
    const bottom = window.scrollY + Math.min(responseBox.bottom + 20, responseBox.top + 900);
    return { top: Math.max(0, top), height: bottom - Math.max(0, top) };
  }, operationElementId);
  await page.screenshot({
    path: screenshotPath,
    fullPage: true,
    clip: { x: 0, y: region.top, width: 1280, height: region.height },
  });
  result.screenshot = screenshotPath;
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
