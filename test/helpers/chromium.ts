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
