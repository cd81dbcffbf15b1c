// Guided player: one exercise at a time, with hold, rep, set and rest timers.
// Without this file the page is a plain list with a "Mark done" button per exercise.

// What the timer says comes from the page, in the reader's language (patient/_player_text.html).
const TEXT = JSON.parse(document.querySelector("[data-player]")?.dataset.text || "{}");
const fill = (template, values) => Object.entries(values)
  .reduce((text, [name, value]) => text.replace(`{${name}}`, value), template ?? "");

const reducedMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
let audio = null;

function soundOn() {
  return localStorage.getItem("bv-sound") !== "off";
}

function beep() {
  if (!soundOn()) return;
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  } catch {
    // No audio here (or not allowed yet): the screen still shows the change.
  }
}

function buzz() {
  if (!reducedMotion) navigator.vibrate?.(200);
}

function clockText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

// Keeps the screen on while a timer runs, where the browser allows it.
const wake = {
  lock: null,
  async on() {
    try {
      this.lock ??= await navigator.wakeLock?.request("screen");
      this.lock?.addEventListener?.("release", () => { this.lock = null; });
    } catch {
      this.lock = null;
    }
  },
  off() {
    this.lock?.release?.();
    this.lock = null;
  },
};

// The step's figure moves with the count. For a hold it stands at the start until the
// clock starts, then moves into position and holds as the clock runs (the server paced it
// so its hold ends with the clock), stops when the clock is paused, and goes back when the
// hold ends. For repetitions it shows one repetition after another at the dose's pace,
// starting again with each "Rep done". Under reduced motion the still start and end
// pictures show instead (app.css) and this one never plays.
class StepFigure {
  constructor(step) {
    const box = step.querySelector("[data-figure]");
    const svg = box?.querySelector("[data-figure-moving] svg");
    this.svg = typeof svg?.pauseAnimations === "function" ? svg : null;
    const seconds = (name) => Number.parseFloat(box?.dataset[name] ?? "0") || 0;
    this.holdEnd = seconds("figureHoldEnd");
    this.total = seconds("figureTotal");
    this.stand(0);
  }

  // Stop at a moment of the repetition (0: the start position).
  stand(at) {
    if (!this.svg) return;
    clearTimeout(this.later);
    this.svg.pauseAnimations();
    this.svg.setCurrentTime(at);
  }

  play(from) {
    if (reducedMotion) return this.stand(0);
    this.stand(from);
    this.svg?.unpauseAnimations();
  }

  // The hold is over: move back to the start, then wait there for the next one.
  release() {
    this.play(this.holdEnd);
    if (!this.svg || reducedMotion) return;
    this.later = setTimeout(() => this.stand(0), (this.total - this.holdEnd) * 1000);
  }
}

class StepTimer {
  constructor(step) {
    this.el = step.querySelector("[data-timer]");
    if (!this.el) return;
    this.figure = new StepFigure(step);
    const n = (name) => Number.parseInt(step.dataset[name] ?? "0", 10) || 0;
    this.sets = Math.max(1, n("sets"));
    this.reps = Math.max(1, n("reps"));
    this.hold = n("hold") * 1000;
    this.rest = n("rest") * 1000;
    this.sides = step.dataset.sided === "1" ? [TEXT.left, TEXT.right] : [""];
    this.phaseEl = this.el.querySelector("[data-phase]");
    this.clockEl = this.el.querySelector("[data-clock]");
    this.setEl = this.el.querySelector("[data-set-count]");
    this.repEl = this.el.querySelector("[data-rep-count]");
    this.toggleBtn = this.el.querySelector("[data-toggle]");
    this.repBtn = this.el.querySelector("[data-rep]");
    this.skipRestBtn = this.el.querySelector("[data-skip-rest]");
    this.set = 1;
    this.side = 0;
    this.rep = 1;
    this.phase = "ready"; // ready, hold, reps, rest, finished
    this.remaining = this.hold;
    this.running = false;
    this.toggleBtn.addEventListener("click", () => this.toggle());
    this.repBtn.addEventListener("click", () => this.repDone());
    this.skipRestBtn.addEventListener("click", () => this.afterRest());
    this.el.hidden = false;
    if (this.hold === 0) this.figure.play(0);
    this.render();
  }

  get held() {
    return (this.hold - this.remaining) / 1000;
  }

  get sideLabel() {
    return this.sides[this.side];
  }

  toggle() {
    if (this.phase === "finished") return;
    if (this.hold === 0 && this.phase !== "rest") {
      // Repetition exercises: the big button finishes the set.
      this.phase = "reps";
      this.endOfSeries();
      return;
    }
    if (this.running) this.pause();
    else this.start();
  }

  start() {
    if (this.phase === "ready") this.phase = "hold";
    this.running = true;
    this.endsAt = Date.now() + this.remaining;
    this.interval = setInterval(() => this.tick(), 200);
    if (this.phase === "hold") this.figure.play(this.held);
    wake.on();
    this.render();
  }

  pause() {
    this.running = false;
    clearInterval(this.interval);
    this.remaining = Math.max(0, this.endsAt - Date.now());
    if (this.phase === "hold") this.figure.stand(this.held);
    wake.off();
    this.render();
  }

  stop() {
    if (this.running) this.pause();
    this.figure?.stand(0);
  }

  tick() {
    this.remaining = Math.max(0, this.endsAt - Date.now());
    if (this.remaining > 0) {
      this.clockEl.textContent = clockText(this.remaining);
      return;
    }
    clearInterval(this.interval);
    this.running = false;
    beep();
    buzz();
    if (this.phase === "rest") this.afterRest();
    else {
      this.figure.release();
      this.holdDone();
    }
  }

  holdDone() {
    if (this.rep < this.reps) {
      this.rep += 1;
      this.phase = "ready";
      this.remaining = this.hold;
      wake.off();
      this.render();
      return;
    }
    this.endOfSeries();
  }

  repDone() {
    if (this.phase === "ready") this.phase = "reps";
    if (this.rep < this.reps) {
      this.rep += 1;
      this.figure.play(0);
      this.render();
    } else {
      this.endOfSeries();
    }
  }

  // The last rep on this side of this set is done: other side, rest, or finished.
  endOfSeries() {
    this.rep = 1;
    if (this.side < this.sides.length - 1) {
      this.side += 1;
      this.phase = "ready";
      this.remaining = this.hold;
      this.render();
      return;
    }
    this.side = 0;
    if (this.set < this.sets) {
      if (this.rest > 0) {
        this.phase = "rest";
        this.remaining = this.rest;
        if (this.hold === 0) this.figure.stand(0);
        this.start();
        return;
      }
      this.afterRest();
      return;
    }
    this.phase = "finished";
    if (this.hold === 0) this.figure.stand(0);
    wake.off();
    this.render();
  }

  afterRest() {
    if (this.running) {
      clearInterval(this.interval);
      this.running = false;
    }
    this.set += 1;
    this.phase = "ready";
    this.remaining = this.hold;
    if (this.hold === 0) this.figure.play(0);
    this.render();
  }

  render() {
    const parts = [];
    if (this.sets > 1) parts.push(fill(TEXT.set, { set: this.set, sets: this.sets }));
    if (this.sideLabel) parts.push(this.sideLabel);
    const holdWord = fill(this.hold ? TEXT.hold : TEXT.rep, { rep: this.rep, reps: this.reps });
    let phase;
    if (this.phase === "finished") phase = TEXT.finished;
    else if (this.phase === "rest") phase = fill(TEXT.rest, { next: this.set + 1 });
    else phase = [...parts, holdWord].join(" · ");
    this.phaseEl.textContent = phase;
    this.setEl.textContent = "";
    this.repEl.textContent = "";
    const holding = this.hold > 0 && this.phase !== "finished";
    this.clockEl.hidden = !(holding || this.phase === "rest");
    this.clockEl.textContent = clockText(this.remaining);
    this.skipRestBtn.hidden = this.phase !== "rest";
    this.repBtn.hidden = this.hold > 0 || this.phase === "finished" || this.phase === "rest";
    this.repBtn.textContent = TEXT.repDone;
    this.toggleBtn.hidden = this.phase === "finished";
    if (this.phase === "rest") this.toggleBtn.textContent = this.running ? TEXT.pauseRest : TEXT.resumeRest;
    else if (this.hold === 0) this.toggleBtn.textContent = TEXT.setDone;
    else if (this.running) this.toggleBtn.textContent = TEXT.pause;
    else this.toggleBtn.textContent = this.remaining < this.hold ? TEXT.resume : TEXT.start;
  }
}

function init(player) {
  const steps = [...player.querySelectorAll("[data-step]")];
  const finished = player.querySelector("[data-finished]");
  const timers = steps.map((step) => new StepTimer(step));

  const settings = player.querySelector("[data-player-settings]");
  const toggle = player.querySelector("[data-sound-toggle]");
  if (settings && toggle) {
    settings.hidden = false;
    toggle.checked = soundOn();
    toggle.addEventListener("change", () => localStorage.setItem("bv-sound", toggle.checked ? "on" : "off"));
  }

  const show = (index, focus = true) => {
    steps.forEach((step, i) => { step.hidden = i !== index; });
    const heading = steps[index]?.querySelector("h2, h1");
    if (heading && focus) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: false });
    }
  };
  const finish = () => {
    steps.forEach((step) => { step.hidden = true; });
    if (finished) {
      finished.hidden = false;
      finished.focus();
    }
  };
  const next = (from) => {
    const later = steps.findIndex((s, j) => j > from && !s.dataset.done);
    const any = later >= 0 ? later : steps.findIndex((s) => !s.dataset.done);
    if (any >= 0) show(any);
    else finish();
  };

  if (steps.length > 1) {
    for (const step of steps) step.querySelector("[data-step-nav]")?.removeAttribute("hidden");
    show(0, false);
  }
  steps.forEach((step, i) => {
    step.querySelector("[data-prev]")?.addEventListener("click", () => { if (i > 0) show(i - 1); });
    step.querySelector("[data-skip]")?.addEventListener("click", () => next(i));
    const form = step.querySelector("[data-done-form]");
    form?.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const result = await self.bvOutbox.sendForm(form);
      button.disabled = false;
      if (!result.ok) {
        let error = form.querySelector(".field__error");
        if (!error) {
          error = document.createElement("p");
          error.className = "field__error";
          error.setAttribute("role", "alert");
          form.append(error);
        }
        error.textContent = result.message;
        return;
      }
      timers[i].stop?.();
      step.dataset.done = "1";
      document.dispatchEvent(new CustomEvent("bv:exercise-done", { detail: result }));
      next(i);
    });
  });
}

const player = document.querySelector("[data-player]");
if (player) init(player);
