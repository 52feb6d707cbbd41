// ABL Desk's own script. The Content Security Policy refuses inline script and
// on*= handlers, so behaviour a page needs is declared with data- attributes
// and handled here (docs/security.md).
"use strict";

// <form data-confirm="Question?">: sent only when the user answers OK.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
    return;
  }
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
