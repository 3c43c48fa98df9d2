// Numbers in words and digits a person reads at a glance. No DOM use.

/** A call duration: "0:07", "12:34", "1:02:03". Negative or missing counts as zero. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A bitrate given in kbit/s: "850 kbit/s", "2.4 Mbit/s", or "–" when unknown. */
export function formatBitrate(kbps) {
  if (!Number.isFinite(kbps)) {
    return '–';
  }
  if (kbps >= 1000) {
    return `${(kbps / 1000).toFixed(1)} Mbit/s`;
  }
  return `${Math.round(kbps)} kbit/s`;
}

/** "640×480", or "–" when either side is unknown or zero. */
export function formatResolution(width, height) {
  return width > 0 && height > 0 ? `${width}×${height}` : '–';
}

/** "12 ms", or "–". */
export function formatMilliseconds(ms) {
  return Number.isFinite(ms) ? `${Math.round(ms)} ms` : '–';
}

/** "0.5 %", or "–". Small losses matter, so one decimal below 10 %. */
export function formatPercent(value) {
  if (!Number.isFinite(value)) {
    return '–';
  }
  return value < 10 ? `${value.toFixed(1)} %` : `${Math.round(value)} %`;
}

/** "30 fps", or "–". */
export function formatFrameRate(fps) {
  return Number.isFinite(fps) ? `${Math.round(fps)} fps` : '–';
}
