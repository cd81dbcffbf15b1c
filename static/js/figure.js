// Pause and play the moving exercise pictures: anything that moves for more than five
// seconds must be possible to stop (WCAG 2.2.2). Without this module the page offers the
// still start and end pictures through a link, and people who ask for reduced motion get
// those instead of the animation (app.css).

const reduceMotion = window.matchMedia?.("(prefers-reduced-motion: reduce)");

for (const figure of document.querySelectorAll("[data-figure]")) {
  const svg = figure.querySelector("[data-figure-moving] svg");
  const button = figure.querySelector("[data-figure-toggle]");
  if (!svg || !button || typeof svg.pauseAnimations !== "function") continue;

  const label = () => {
    button.textContent = svg.animationsPaused()
      ? button.dataset.labelPlay
      : button.dataset.labelPause;
  };

  button.addEventListener("click", () => {
    if (svg.animationsPaused()) svg.unpauseAnimations();
    else svg.pauseAnimations();
    label();
  });

  // The moving picture is hidden under reduced motion; keep it still as well.
  const followPreference = () => {
    if (reduceMotion?.matches) svg.pauseAnimations();
    label();
  };
  reduceMotion?.addEventListener?.("change", followPreference);
  followPreference();
  button.hidden = false;
}
