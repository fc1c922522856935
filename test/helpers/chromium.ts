/** How the tests start Debian's chromium: headless, no sandbox (root), no network of its own. */

/** Flags every test's chromium gets (the closed network refuses its background connections). */
export const HEADLESS_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Bounds a chromium run (it exits by itself once its virtual time budget is spent). */
export const BROWSER_DEADLINE_MS = 60_000;

/**
 * Loads `url` in headless chromium with a fresh `profile` directory, ignoring certificate errors
 * (the tests' self-signed certificate), and returns the DOM it prints once the page's virtual time
 * (10 s) is spent; the run is killed after BROWSER_DEADLINE_MS.
 */
export async function dumpDom(url: string, profile: string): Promise<string> {
  const browser = Bun.spawn(
    [
      Bun.which("chromium")!,
      ...HEADLESS_FLAGS,
      "--ignore-certificate-errors",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=10000",
      "--dump-dom",
      url,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const timer = setTimeout(() => browser.kill("SIGKILL"), BROWSER_DEADLINE_MS);
  const [dom] = await Promise.all([new Response(browser.stdout).text(), browser.exited]);
  clearTimeout(timer);
  return dom;
}
