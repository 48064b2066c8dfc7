// An editable combobox with a list of suggestions (WAI-ARIA 1.2 combobox pattern, "list
// autocomplete with manual selection"): the input keeps focus; Down/Up move through the options
// (aria-activedescendant), Enter picks the active one, Escape closes the list (or clears the
// box when it is closed), Tab leaves. Options come from `source(query, signal)`, an async
// function answering [{label, detail, text, data}]; `text` is what the box shows once picked.

import { isAbort } from "./api.js";
import { el, clear } from "./format.js";

export class Combobox {
  constructor(input, { source, onPick, onEdit = () => {}, minLength = 1, delay = 150 }) {
    this.input = input;
    this.list = document.getElementById(input.getAttribute("aria-controls"));
    this.status = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
    this.list.after(this.status);
    this.source = source;
    this.onPick = onPick;
    this.onEdit = onEdit;
    this.minLength = minLength;
    this.delay = delay;
    this.options = [];
    this.active = -1;
    this.timer = 0;
    this.controller = null;

    input.addEventListener("input", () => this.edited());
    input.addEventListener("keydown", (event) => this.keydown(event));
    input.addEventListener("blur", () => this.close());
    this.list.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  get isOpen() {
    return !this.list.hidden;
  }

  edited() {
    this.onEdit(this.input.value);
    clearTimeout(this.timer);
    if (this.input.value.trim().length < this.minLength) {
      this.cancel();
      this.close();
      return;
    }
    this.timer = setTimeout(() => this.load(this.input.value.trim()), this.delay);
  }

  cancel() {
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async load(query) {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    let options;
    try {
      options = await this.source(query, controller.signal);
    } catch (error) {
      if (isAbort(error)) return;
      this.options = [];
      this.close();
      this.status.textContent = `Suggestions indisponibles : ${error.message}`;
      return;
    }
    if (controller.signal.aborted || this.input.value.trim() !== query) return;
    this.options = options;
    this.render();
  }

  render() {
    clear(this.list);
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.options.forEach((option, index) => {
      this.list.append(
        el(
          "li",
          {
            id: `${this.list.id}-${index}`,
            role: "option",
            "aria-selected": "false",
            "data-index": index,
          },
          el("span", { class: "option-label" }, option.label),
          option.detail ? el("span", { class: "option-detail" }, option.detail) : null,
        ),
      );
    });
    const count = this.options.length;
    this.list.hidden = count === 0 || document.activeElement !== this.input;
    this.input.setAttribute("aria-expanded", String(!this.list.hidden));
    this.status.textContent =
      count === 0
        ? "Aucune suggestion"
        : `${count} suggestion${count > 1 ? "s" : ""} : flèches haut et bas pour choisir, Entrée pour valider`;
  }

  keydown(event) {
    const count = this.options.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!count) return;
        event.preventDefault();
        if (!this.isOpen) this.open();
        this.move(event.key === "ArrowDown" ? 1 : -1);
        break;
      case "Enter":
        if (this.isOpen && this.active >= 0) {
          event.preventDefault();
          this.pick(this.active);
        } else {
          this.close();
        }
        break;
      case "Escape":
        if (this.isOpen) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.edited();
        }
        break;
      default:
    }
  }

  open() {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.setActive(-1);
  }

  move(delta) {
    const count = this.options.length;
    const next = this.active < 0 ? (delta > 0 ? 0 : count - 1) : (this.active + delta + count) % count;
    this.setActive(next);
  }

  setActive(index) {
    const previous = this.list.querySelector("[aria-selected=true]");
    if (previous) previous.setAttribute("aria-selected", "false");
    this.active = index;
    if (index < 0) return;
    const option = this.list.children[index];
    option.setAttribute("aria-selected", "true");
    option.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", option.id);
  }

  pick(index) {
    const option = this.options[index];
    if (!option) return;
    this.input.value = option.text || option.label;
    this.close();
    this.options = [];
    this.status.textContent = `${option.label} choisi`;
    this.onPick(option);
  }
}
