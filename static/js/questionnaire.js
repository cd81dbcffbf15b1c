// A questionnaire keeps each answer as it is given: a change is sent as "finish later", so
// an interrupted questionnaire reopens with its answers. Without JavaScript, "Finish later"
// does the same. "Done" with no connection waits in the outbox (outbox.js) like a check-in.

const form = document.querySelector("form[data-questionnaire]");
const status = form?.querySelector("[data-autosave-status]");
const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
let timer;

const say = (text) => { if (status) status.textContent = text; };

async function keep() {
  const fields = [...new FormData(form).entries()].filter(([name]) => name !== "next_step");
  fields.push(["next_step", "later"]);
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
      redirect: "manual", headers: { Accept: "application/json", "X-CSRFToken": token() },
    });
    say(response.ok ? form.dataset.autosaveKept : "");
  } catch {
    say("");
  }
}

form?.addEventListener("change", () => {
  clearTimeout(timer);
  timer = setTimeout(keep, 400);
});

form?.addEventListener("submit", async (event) => {
  if (event.submitter?.value === "later") return; // a plain post keeps the draft
  event.preventDefault();
  clearTimeout(timer);
  const result = await self.bvOutbox.sendForm(form);
  if (result.ok && result.queued) {
    say(form.dataset.offlineQueued);
    form.querySelector("button[value=done]")?.setAttribute("disabled", "");
    if (navigator.onLine) self.bvOutbox.flush(); // kept for its session: send it now
  } else if (result.ok) {
    location.assign(form.dataset.doneUrl);
  } else {
    HTMLFormElement.prototype.submit.call(form); // let the server show what to fix
  }
});
