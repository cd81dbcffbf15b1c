// Notifications on this device: ask only when the person presses the button, subscribe
// with the server's VAPID key, and tell the server. On iPhone, push works only once the
// app is on the Home Screen, so we explain that instead of asking. Signing out drops the
// browser's subscription too (loaded on every signed-in page for that).

// What the notifications card says comes from the page (patient/_push_card.html).
const TEXT = JSON.parse(document.querySelector("[data-push-card]")?.dataset.text || "{}");
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
  (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const standalone = window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function registration() {
  return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => navigator.serviceWorker.ready);
}

async function currentSubscription() {
  if (!supported) return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  return reg ? reg.pushManager.getSubscription() : null;
}

async function post(url, method, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 204) {
    const data = await response.json().catch(() => ({}));
    throw new Error(data.error ?? (TEXT.serverStatus ?? "").replace("{status}", response.status));
  }
  return response.status === 204 ? {} : response.json().catch(() => ({}));
}

const card = document.querySelector("[data-push-card]");

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => { setTimeout(resolve, ms, null); })]);
}

export async function enable() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission;
  const reg = await registration();
  const { publicKey } = await fetch("/push/vapid-public-key").then((r) => r.json());
  let subscription = await reg.pushManager.getSubscription();
  if (!subscription) {
    subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) });
  }
  await post("/push/subscriptions", "POST", subscription.toJSON());
  if (card) card.dataset.pushDevice = "this";
  return "granted";
}

export async function disable() {
  const subscription = await currentSubscription();
  if (subscription) {
    await post("/push/subscriptions", "DELETE", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
  }
  if (card) card.dataset.pushDevice = "none";
}

async function stateNow() {
  if (!supported) return ios && !standalone ? "ios-install" : "unsupported";
  if (Notification.permission === "denied") return "denied";
  // The browser may still hold a subscription the server no longer sends to for this
  // person (left by someone who signed in here before, or dropped as dead): that is "off".
  const subscription = await currentSubscription();
  return subscription && card?.dataset.pushDevice === "this" ? "on" : "off";
}

async function setupCard(card) {
  const status = card.querySelector("[data-push-status]");
  const show = async () => {
    const state = await stateNow();
    for (const part of card.querySelectorAll("[data-push-state]")) {
      part.hidden = part.dataset.pushState !== state;
    }
  };
  const run = (label, work) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    status.textContent = label;
    try {
      status.textContent = (await work()) ?? "";
    } catch (error) {
      status.textContent = (TEXT.failed ?? "").replace("{error}", error.message);
    } finally {
      button.disabled = false;
      await show();
    }
  };
  card.querySelector("[data-push-enable]")?.addEventListener("click", run(TEXT.asking, async () => {
    const result = await enable();
    return result === "granted" ? TEXT.on : TEXT.notAllowed;
  }));
  card.querySelector("[data-push-disable]")?.addEventListener("click", run(TEXT.turningOff, async () => {
    await disable();
    return TEXT.off;
  }));
  card.querySelector("[data-push-test]")?.addEventListener("click", run(TEXT.sending, async () => {
    const result = await post("/push/test", "POST");
    return result.sent ? TEXT.sent : TEXT.notDelivered;
  }));
  await show();
}

if (card) setupCard(card);

// Today: offer reminders where they would work and are not on yet.
const offer = document.querySelector("[data-push-offer]");
if (offer && supported && Notification.permission === "default") {
  currentSubscription().then((subscription) => { offer.hidden = Boolean(subscription); });
}

// Signing out: the server forgets this device's subscription (it knows the device by its
// cookie; the endpoint sent along also covers subscriptions made before it had one), and
// the browser drops it. Without JavaScript the server still does its part.
async function forgetThisDevice(form) {
  const subscription = await withTimeout(currentSubscription(), 2000);
  if (!subscription) return;
  const field = form.querySelector('input[name="push_endpoint"]') ?? document.createElement("input");
  field.type = "hidden";
  field.name = "push_endpoint";
  field.value = subscription.endpoint;
  form.append(field);
  await withTimeout(subscription.unsubscribe(), 2000);
}

for (const form of document.querySelectorAll("form[data-sign-out]")) {
  form.addEventListener("submit", (event) => {
    if (!supported || form.dataset.pushForgotten) return;
    event.preventDefault();
    forgetThisDevice(form).catch(() => {}).finally(() => {
      form.dataset.pushForgotten = "true";
      form.submit();
    });
  });
}
