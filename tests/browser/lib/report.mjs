// TAP-like reporting: one `ok - name` / `not ok - name` line per check, and a
// last line `N passed, M failed`.

const results = [];
let closed = false;

function print(name, error) {
  results.push({ name, ok: !error });
  if (!error) {
    console.log(`ok - ${name}`);
    return;
  }
  console.log(`not ok - ${name}`);
  for (const line of String(error?.message ?? error).split('\n').slice(0, 14)) {
    console.log(`#   ${line}`);
  }
}

/** Prints a detail line under the current check. */
export function info(text) {
  console.log(`#   ${text}`);
}

/**
 * Runs one check and reports it. `needs` are earlier checks' results: when
 * one failed, this check is reported as failed without running, so that one
 * broken step does not hide behind a cascade of timeouts.
 * Returns whether the check passed.
 */
export async function check(name, needs, body) {
  if (closed) {
    return false;
  }
  if (!needs.every(Boolean)) {
    print(name, new Error('not run: a check it depends on failed'));
    return false;
  }
  try {
    await body();
    print(name, null);
    return true;
  } catch (error) {
    print(name, error);
    return false;
  }
}

/** Records a failure that happened outside any check (a crash, the watchdog). */
export function fail(name, error) {
  if (!closed) {
    print(name, error);
  }
}

/** Prints the summary line once; returns the number of failures. */
export function summarize() {
  if (closed) {
    return results.filter((r) => !r.ok).length;
  }
  closed = true;
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}
