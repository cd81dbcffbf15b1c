// The pose editor: show each slider's angle as it moves (htmx redraws the preview). Without
// this the page shows the angles it was drawn with, and the form still saves what is set.
for (const slider of document.querySelectorAll("[data-pose-slider]")) {
  const output = slider.parentElement.querySelector("output");
  slider.addEventListener("input", () => { output.textContent = `${slider.value}°`; });
}
