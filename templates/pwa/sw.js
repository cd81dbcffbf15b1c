// Between Visits service worker: app shell cache, offline pages, push notifications and
// the outbox of actions done offline. Rendered by the server so it names the exact
// versions of the files it precaches; any change to them makes a new worker.
"use strict";

const VERSION = "{{ version }}";
const SHELL = `bv-shell-${VERSION}`;
const PAGES = "bv-pages"; // last good copy of the patient's pages, for offline use
const PRECACHE = {{ precache|tojson }};
// The languages the app speaks (each has its offline page at /offline/<code>).
const LANGUAGES = {{ languages|tojson }};
// Pages kept for offline use: Today, the player, the program, the check-in, the soreness
// card, a questionnaire and exercise pages.
const OFFLINE_PAGES = [/^\/me\/$/, /^\/me\/play$/, /^\/me\/program$/, /^\/me\/checkin$/, /^\/me\/soreness$/, /^\/me\/questionnaires\/[a-z]+$/, /^\/library\/\d+$/];
// A kept page falls back to its saved copy when the network is this slow. Only those:
// any other page (the clinic's lists, an export) has no copy, so it waits for the network.
const NETWORK_TIMEOUT_MS = 3500;

importScripts({{ outbox_url|tojson }});

self.addEventListener("install", (event) => {
  // Wait for the page to say "reload" before taking over, so versions never mix.
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("bv-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data?.type === "FLUSH_OUTBOX") event.waitUntil(flushAndTell());
});

// The signed-in user behind cached pages; when it changes, or on sign-out, pages go.
async function noteUser(response) {
  const user = response.headers.get("X-BV-User");
  if (user === null) return;
  const cache = await caches.open(PAGES);
  const known = await cache.match("/__user__");
  const previous = known ? await known.text() : null;
  if (previous !== user) {
    await caches.delete(PAGES);
    const fresh = await caches.open(PAGES);
    await fresh.put("/__user__", new Response(user));
  }
}

// The offline page and the scripts' words speak the language of the pages: they are
// precached in the language of whoever installed the worker (the offline page's
// Content-Language says which); when a page comes back in another language, the worker
// fetches both in that language once.
async function noteLanguage(response) {
  const language = response.headers.get("Content-Language");
  if (!language || !LANGUAGES.includes(language)) return;
  const cache = await caches.open(SHELL);
  const kept = await cache.match("/offline");
  if (kept && kept.headers.get("Content-Language") === language) return;
  try {
    const [page, words] = await Promise.all(
      [fetch(`/offline/${language}`), fetch(`/script-text/${language}.json`)]);
    if (page.ok && words.ok) {
      await cache.put("/offline", page);
      await cache.put("/script-text.json", words);
    }
  } catch {
    // offline again: the next page tries
  }
}

async function offlinePage() {
  const cache = await caches.open(SHELL);
  return (await cache.match("/offline")) ?? Response.error();
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
}

async function navigate(request, event) {
  const url = new URL(request.url);
  const keep = OFFLINE_PAGES.some((pattern) => pattern.test(url.pathname));
  try {
    const response = await (keep ? withTimeout(fetch(request), NETWORK_TIMEOUT_MS) : fetch(request));
    await noteUser(response);
    await noteLanguage(response);
    if (keep && response.ok && (response.headers.get("Content-Type") || "").includes("text/html")) {
      const cache = await caches.open(PAGES);
      await cache.put(url.pathname, response.clone());
      if (url.pathname === "/me/") event.waitUntil(response.clone().text().then(keepFigurePages));
    }
    return response;
  } catch {
    const cache = await caches.open(PAGES);
    const copy = await cache.match(url.pathname);
    if (copy) return copy;
    return offlinePage();
  }
}

// The figures of the patient's program, for use offline. The moving ones are drawn into
// the player and exercise pages: keep a copy of each such page Today links to, fetched
// again when older than a few hours (a visit refreshes it too). The thumbnails are files
// whose URL names their version: kept on first sight, with the person's pages (they say
// which exercises are theirs, so they go when someone else signs in).
const FIGURE_PAGES = /href="(\/me\/play|\/library\/\d+)"/g;
const FIGURE_PAGE_AGE_MS = 6 * 3600 * 1000;

async function keepFigurePages(html) {
  const cache = await caches.open(PAGES);
  for (const path of new Set([...html.matchAll(FIGURE_PAGES)].map((m) => m[1]))) {
    const copy = await cache.match(path);
    if (Date.now() - Date.parse(copy?.headers.get("Date")) < FIGURE_PAGE_AGE_MS) continue;
    try {
      const response = await fetch(path, { credentials: "same-origin" });
      if (response.ok && response.headers.get("Content-Type")?.includes("text/html")) {
        await cache.put(path, response);
      }
    } catch {
      return; // offline again: the next visit tries
    }
  }
}

async function figure(request) {
  const cache = await caches.open(PAGES);
  const copy = await cache.match(request);
  if (copy) return copy;
  const response = await fetch(request);
  if (response.headers.get("Cache-Control")?.includes("immutable")) {
    await cache.put(request, response.clone());
  }
  return response;
}

async function fromShell(request) {
  // Modules import each other by plain URL (no ?v=): the shell holds the matching version.
  // A versioned URL must match exactly, or an old worker would answer for a new file.
  const versioned = new URL(request.url).searchParams.has("v");
  const cached = await caches.match(request, { cacheName: SHELL, ignoreSearch: !versioned });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(SHELL)).put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request, event));
  } else if (url.pathname === "/script-text.json") {
    // Kept with the shell in the pages' language; the network only when it is missing.
    event.respondWith(caches.open(SHELL).then((cache) => cache.match(url.pathname))
      .then((kept) => kept ?? fetch(request)));
  } else if (url.pathname.startsWith("/static/")) {
    // Versioned files never change under the same URL: cache first.
    event.respondWith(fromShell(request));
  } else if (url.pathname.startsWith("/figures/")) {
    event.respondWith(figure(request));
  }
});

// --- push ---------------------------------------------------------------------------------

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { notification: { title: "Between Visits", body: event.data?.text() ?? "" } };
  }
  const n = message.notification ?? message;
  const options = {
    body: n.body ?? "",
    tag: n.tag, // the reminder's key: a repeat replaces instead of stacking
    icon: n.icon ?? "/static/icons/icon-192.png",
    badge: n.badge ?? "/static/icons/badge-96.png",
    lang: n.lang ?? "en",
    data: { url: n.navigate ?? "/me/", ...(n.data ?? {}) },
    actions: (n.actions ?? []).map((a) => ({ action: a.action, title: a.title })),
  };
  event.waitUntil(self.registration.showNotification(n.title ?? "Between Visits", options));
});

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data ?? {};
  event.notification.close();
  if (event.action === "snooze" && data.snooze_url) {
    const api = data.snooze_url.replace("/me/snooze/", "/push/snooze/");
    event.waitUntil(fetch(api, { method: "POST", credentials: "same-origin" }).catch(() => {}));
    return;
  }
  event.waitUntil((async () => {
    const target = new URL(data.url ?? "/me/", self.location.origin).href;
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin === self.location.origin && "focus" in client) {
        await client.focus();
        if ("navigate" in client) await client.navigate(target).catch(() => {});
        return;
      }
    }
    await self.clients.openWindow(target);
  })());
});

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil((async () => {
    let fresh = event.newSubscription;
    if (!fresh) {
      // Chrome often gives neither the old nor the new subscription: subscribe again.
      const { publicKey } = await fetch("/push/vapid-public-key").then((r) => r.json());
      const key = Uint8Array.from(atob(publicKey.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - publicKey.length % 4) % 4)), (c) => c.charCodeAt(0));
      fresh = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }
    // The device cookie (set when notifications were turned on) tells the server which
    // device this is, with or without a session; no old endpoint is needed.
    const response = await fetch("/push/subscriptions/renew", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ subscription: fresh.toJSON() }),
    });
    // Signed out of, or never turned on here: nobody should be reached on this device.
    if (response.status === 404) await fresh.unsubscribe();
  })());
});

// --- the outbox ---------------------------------------------------------------------------

// Sends only the signed-in person's own actions, with a fresh token (see outbox.js).
async function flushAndTell() {
  const { sent, refused } = await self.bvOutbox.flush();
  const windows = await self.clients.matchAll({ type: "window" });
  for (const client of windows) client.postMessage({ type: "OUTBOX_FLUSHED", sent, refused });
}

self.addEventListener("sync", (event) => {
  if (event.tag === "bv-outbox") event.waitUntil(flushAndTell());
});
