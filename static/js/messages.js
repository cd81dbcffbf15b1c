// Sending a message: straight away when online; without a connection it waits in the
// outbox (its client id makes it count once) and goes when the phone is back online.
const form = document.querySelector("form[data-message-form]");

if (form && self.bvOutbox) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await self.bvOutbox.sendForm(form);
    if (result.ok && result.queued) {
      const status = document.createElement("p");
      status.className = "flash flash--info";
      status.setAttribute("role", "status");
      status.textContent = form.dataset.queued ?? "";
      form.before(status);
      form.querySelector("button[type=submit]")?.setAttribute("disabled", "");
      if (navigator.onLine) self.bvOutbox.flush();
    } else if (result.ok) {
      location.assign(`${location.pathname}?sent=${Date.now()}#latest`);
    } else {
      HTMLFormElement.prototype.submit.call(form); // let the server show what to fix
    }
  });
}
