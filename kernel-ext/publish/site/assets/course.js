// Draws the page's Mermaid diagrams (nbconvert writes each as
// <div class="jp-Mermaid"><pre class="mermaid">source</pre></div>) as inline
// SVG, with the single-file Mermaid build loaded before this script. On an
// error the source stays visible with the message under it.
document.addEventListener("DOMContentLoaded", async () => {
  const diagrams = [...document.querySelectorAll(".jp-Mermaid > pre.mermaid")];
  if (!diagrams.length) {
    return;
  }
  if (typeof mermaid === "undefined") {
    console.error("mermaid.min.js did not load: the diagrams stay as text");
    return;
  }
  mermaid.initialize({
    startOnLoad: false,
    maxTextSize: 100000,
    theme: "default",
    fontFamily: getComputedStyle(document.body).getPropertyValue("--jp-ui-font-family"),
  });
  let next = 0;
  for (const pre of diagrams) {
    const holder = pre.parentNode;
    const source = pre.textContent.trim();
    try {
      const { svg } = await mermaid.render(`course-mermaid-${next++}`, source);
      const figure = document.createElement("figure");
      figure.className = "course-mermaid";
      figure.innerHTML = svg;
      holder.appendChild(figure);
      holder.classList.add("jp-RenderedMermaid");
    } catch (err) {
      holder.classList.add("jp-RenderedMermaid", "jp-mod-warning");
      const message = document.createElement("pre");
      message.textContent = `${err}`;
      holder.appendChild(message);
    }
  }
  document.body.dataset.mermaidDone = String(diagrams.length);
});
