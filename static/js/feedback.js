// Feedback pages: a print button, and a confirmation before a form that undoes something is sent.
// (The Content-Security-Policy allows no inline handlers; the markup only carries data- attributes.)
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
