// The camera and microphone choosers of the pre-join view.

import { listDevices } from './media.js';

export class DevicePicker {
  #doc;
  #camera;
  #mic;

  /**
   * @param {(deviceId: string) => void} onCamera  the person picked a camera
   * @param {(deviceId: string) => void} onMic     the person picked a microphone
   */
  constructor(doc, { onCamera, onMic }) {
    this.#doc = doc;
    this.#camera = doc.getElementById('cameraSelect');
    this.#mic = doc.getElementById('micSelect');
    this.#camera.addEventListener('change', () => onCamera(this.#camera.value));
    this.#mic.addEventListener('change', () => onMic(this.#mic.value));
  }

  /** Lists the devices again (labels appear once a device was allowed) and selects the ones in use. */
  async refresh(devices, { cameraId, micId }) {
    const { cameras, microphones } = await listDevices(devices);
    this.#fill(this.#camera, cameras, cameraId, 'No camera found');
    this.#fill(this.#mic, microphones, micId, 'No microphone found');
  }

  #fill(select, choices, selectedId, emptyText) {
    const options = choices.map(({ id, label }) => {
      const option = this.#doc.createElement('option');
      option.value = id;
      option.textContent = label;
      option.selected = id === selectedId;
      return option;
    });
    if (options.length === 0) {
      const option = this.#doc.createElement('option');
      option.value = '';
      option.textContent = emptyText;
      options.push(option);
    }
    select.replaceChildren(...options);
    select.disabled = choices.length < 2;
  }
}
