// The chat panel: a log of lines and a box to type the next one. Lines go
// over the call's data channel (call.js); this module only shows them.

export class ChatPanel {
  #doc;
  #el;
  #send;
  #unread = 0;
  #visible = false;

  /** @param {(text: string) => boolean} send  returns false when the line could not go out */
  constructor(doc, send) {
    this.#doc = doc;
    this.#send = send;
    const byId = (id) => doc.getElementById(id);
    this.#el = {
      log: byId('chatLog'), form: byId('chatForm'), input: byId('chatInput'), button: byId('chatSend'),
      hint: byId('chatHint'), unread: byId('chatUnread'), toggle: byId('chatToggle'),
    };
    this.#el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
  }

  /** Chat works only while the data channel is open. */
  setAvailable(available) {
    this.#el.input.disabled = !available;
    this.#el.button.disabled = !available;
    this.#el.hint.hidden = available;
  }

  /** Called when the panel is shown or hidden: lines read are no longer unread. */
  setVisible(visible) {
    this.#visible = visible;
    if (visible) {
      this.#unread = 0;
      this.#showUnread();
    }
  }

  addTheirs(text) {
    this.#append('theirs', 'Them', text);
    if (!this.#visible) {
      this.#unread += 1;
      this.#showUnread();
    }
  }

  /** A line about the chat itself, such as the other person leaving. */
  addNotice(text) {
    this.#append('notice', null, text);
  }

  #submit() {
    const text = this.#el.input.value.trim();
    if (text === '') {
      return;
    }
    if (this.#send(text)) {
      this.#append('mine', 'You', text);
      this.#el.input.value = '';
    } else {
      this.addNotice('Not sent: the call is not connected.');
    }
    this.#el.input.focus();
  }

  #append(kind, who, text) {
    const item = this.#doc.createElement('li');
    item.className = `chat-${kind}`;
    if (who !== null) {
      const name = this.#doc.createElement('span');
      name.className = 'chat-who';
      name.textContent = `${who}: `;
      item.append(name);
    }
    // textContent, never innerHTML: the other side's text is not trusted.
    item.append(this.#doc.createTextNode(text));
    this.#el.log.append(item);
    item.scrollIntoView?.({ block: 'nearest' });
  }

  #showUnread() {
    const { unread, toggle } = this.#el;
    unread.hidden = this.#unread === 0;
    unread.textContent = String(this.#unread);
    toggle.setAttribute('aria-label', this.#unread === 0 ? 'Chat' : `Chat, ${this.#unread} unread`);
  }
}
