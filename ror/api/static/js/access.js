// The token panel of the pages that show capacities (restricted data): a form asking for a
// token entitled to them, kept in this tab's sessionStorage (never in the URL), and the
// messages for a missing, unknown or insufficient token. The page's markup holds
// #access-message, #token-form (with #token) and #signed-in (with #sign-out).

import { ApiError, setToken, token } from "./api.js";

export class AccessPanel {
  // `reload()` is called with the new token in place (after it is entered or forgotten).
  constructor(reload) {
    this.message = document.getElementById("access-message");
    this.form = document.getElementById("token-form");
    this.input = document.getElementById("token");
    this.signedIn = document.getElementById("signed-in");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = this.input.value.trim();
      if (!value) {
        this.input.setAttribute("aria-invalid", "true");
        this.input.focus();
        return;
      }
      this.input.removeAttribute("aria-invalid");
      setToken(value);
      this.input.value = "";
      reload({ entered: true });
    });
    document.getElementById("sign-out").addEventListener("click", () => {
      setToken("");
      reload({ entered: false });
    });
    this.signedIn.hidden = !token();
  }

  granted() {
    this.message.textContent = token()
      ? "Capacités affichées avec le jeton de cet onglet (il n'est gardé que jusqu'à sa fermeture)."
      : "Capacités affichées : ce service les montre à tous ses visiteurs.";
    this.message.classList.remove("error");
    this.form.hidden = true;
    this.signedIn.hidden = !token();
  }

  // The message for a refusal (401/403), with the form shown and focused; null for any other
  // error, which the page reports itself.
  refused(error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) return null;
    let message = "Accès réservé : saisissez un jeton d'accès habilité à voir les capacités.";
    if (token()) {
      message =
        error.status === 401
          ? "Ce jeton n'est pas reconnu : vérifiez-le ou demandez-en un autre."
          : `Ce jeton n'ouvre pas l'accès à ces capacités (${error.message}).`;
      setToken("");
    }
    this.message.textContent = message;
    this.form.hidden = false;
    this.signedIn.hidden = !token();
    this.input.focus();
    return message;
  }
}

// Move the focus to a heading (after the form that had it disappears).
export function focusHeading(id) {
  const heading = document.getElementById(id);
  heading.setAttribute("tabindex", "-1");
  heading.focus();
}
