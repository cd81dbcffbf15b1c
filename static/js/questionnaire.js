// A questionnaire keeps each answer as it is given: a change is sent as "finish later", so
// an interrupted questionnaire reopens with its answers. Without JavaScript, "Finish later"
// does the same. Offline, nothing is lost: "Done" goes to the outbox (offline.js).

const form = document.querySelector("form[data-questionnaire]");
const status = form?.querySelector("[data-autosave-status]");
const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
let timer;

async function keep() {
  const fields = [...new FormData(form).entries()].filter(([name]) => name !== "next_step");
  fields.push(["next_step", "later"]);
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
      redirect: "manual", headers: { Accept: "application/json", "X-CSRFToken": token() },
    });
    if (status) status.textContent = response.ok ? "Your answers so far are kept." : "";
  } catch {
    if (status) status.textContent = "";
  }
}

form?.addEventListener("change", () => {
  clearTimeout(timer);
  timer = setTimeout(keep, 400);
});
