// Copying the room's address, so the person can paste it to the other one.

/** Copies `url`; resolves to true when it is on the clipboard. */
export async function copyInvite(url) {
  try {
    await navigator.clipboard.writeText(url);
    return true;
  } catch (error) {
    // No clipboard access (plain http off localhost, or refused): the caller
    // points at the visible link instead.
    console.info('invite: clipboard refused', error?.name);
    return false;
  }
}
