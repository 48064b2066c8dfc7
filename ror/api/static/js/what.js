// The "activité ou type d'offre" box of the availability pages: a combobox over GET
// /v1/suggest keeping activities (R211) and offer types (R244), and how its choice lives in
// the URL (`quoi`, the label shown, and `activity` or `offer_type`, the codes).

import { apiGet } from "./api.js";
import { Combobox } from "./combobox.js";

export const WHAT_FIELDS = ["activity", "offer_type"];

export class WhatBox {
  constructor(input) {
    this.input = input;
    this.pick = null; // {text, field, codes}
    new Combobox(input, {
      minLength: 2,
      source: async (query, signal) => {
        const answer = await apiGet("/v1/suggest", { q: query, limit: 12 }, { signal });
        return answer.suggestions
          .filter((s) => WHAT_FIELDS.includes(s.field))
          .map((s) => ({
            label: s.label,
            detail: s.field === "activity" ? "Activité" : "Type d'offre",
            text: s.label,
            data: { field: s.field, codes: s.codes },
          }));
      },
      onPick: (option) => {
        this.pick = { text: option.text, ...option.data };
      },
      onEdit: () => {
        this.pick = null;
      },
    });
  }

  fill(params) {
    this.input.value = params.get("quoi") || "";
    this.pick = null;
  }

  // Copy the choice into `next` from the box (a new pick) or from `current` (the box unchanged);
  // false when the box holds text that was not picked from the list.
  copy(current, next) {
    const what = this.input.value.trim();
    if (what && what === (current.get("quoi") || "")) {
      next.set("quoi", what);
      for (const field of WHAT_FIELDS) if (current.has(field)) next.set(field, current.get(field));
    } else if (this.pick && this.pick.text === what) {
      next.set("quoi", what);
      next.set(this.pick.field, this.pick.codes.join(","));
    } else if (what) {
      this.input.setAttribute("aria-invalid", "true");
      return false;
    }
    this.input.removeAttribute("aria-invalid");
    return true;
  }
}
