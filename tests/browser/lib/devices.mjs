// Stand-ins for a person who said "no" to the browser's camera (and
// microphone) prompt: init scripts that run in the page before its own.

export const BLOCK_CAMERA = () => {
  const open = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function getUserMedia(constraints) {
    if (constraints?.video) {
      return Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    }
    return open.call(this, constraints);
  };
};

export const BLOCK_ALL = () => {
  MediaDevices.prototype.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
};
