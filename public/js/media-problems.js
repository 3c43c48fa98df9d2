// getUserMedia failures in words for a person. No DOM use.

/** A short reason for a DOMException from getUserMedia/getDisplayMedia. */
export function describeMediaError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'blocked';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'not found';
    case 'NotReadableError':
    case 'AbortError':
      return 'in use by another program';
    case 'NotSupportedError':
      return 'not available on this page';
    default:
      return 'not working';
  }
}

/**
 * One sentence about what the person sends, given the reason each device
 * failed (null when it works), or null when both work. It says what still
 * works, so nobody thinks the call itself is broken. Worded to read right
 * both before joining and in the call.
 * @param {{camera: string|null, mic: string|null}} problems  reasons from describeMediaError
 */
export function mediaProblemText({ camera, mic }) {
  if (camera === null && mic === null) {
    return null;
  }
  if (camera !== null && mic !== null) {
    return camera === mic
      ? `Camera and microphone ${camera}: watching and listening only.`
      : `Camera ${camera}, microphone ${mic}: watching and listening only.`;
  }
  if (camera !== null) {
    return `Camera ${camera}: sending sound only.`;
  }
  return `Microphone ${mic}: the other person can see you but not hear you.`;
}

/** The hint that goes with a blocked device: where the person can change it. */
export function permissionHint({ camera, mic }) {
  return camera === 'blocked' || mic === 'blocked'
    ? 'To change that, allow the camera and microphone for this site (the icon in the address bar), then reload.'
    : null;
}
