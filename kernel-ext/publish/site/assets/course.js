// The site's one script, on every page.
//
// Boxes that scroll sideways (long lines of code or output, wide tables, a
// wide diagram) are made reachable from the keyboard, so that a reader who
// cannot use a mouse can scroll them with the arrow keys; again whenever
// the window's width changes (a phone turned, the page zoomed) and when a
// solution is opened.
//
// Mermaid diagrams (nbconvert writes each as
// <div class="jp-Mermaid"><pre class="mermaid">source</pre></div>) are drawn
// as inline SVG by the single-file Mermaid build loaded before this script,
// in dark colours when the reader's system asks for them. Each diagram's
// accTitle and accDescr lines become the drawing's <title> and <desc>, its
// text alternative. On an error the source stays visible with the message
// under it.

const SCROLLERS = [
  ".jp-OutputArea-output",
  ".jp-InputArea-editor .highlight pre",
  ".jp-OutputArea-output pre",
  ".jp-RenderedMarkdown pre",
  ".course-scroll",
  ".course-mermaid",
].join(", ");

function reachScrollers() {
  for (const box of document.querySelectorAll(SCROLLERS)) {
    const scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
    const ours = box.dataset.courseScroller !== undefined;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.dataset.courseScroller = "";
    } else if (!scrolls && ours) {
      box.removeAttribute("tabindex");
      delete box.dataset.courseScroller;
    }
  }
}

async function drawDiagrams() {
  const diagrams = [...document.querySelectorAll(".jp-Mermaid > pre.mermaid")];
  if (!diagrams.length) {
    return;
  }
  if (typeof mermaid === "undefined") {
    console.error("mermaid.min.js did not load: the diagrams stay as text");
    return;
  }
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  mermaid.initialize({
    startOnLoad: false,
    maxTextSize: 100000,
    theme: dark ? "dark" : "default",
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
}

document.addEventListener("DOMContentLoaded", async () => {
  reachScrollers();
  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(reachScrollers, 100);
  });
  // A solution's boxes are measured once it is opened.
  document.addEventListener("toggle", reachScrollers, true);
  await drawDiagrams();
  reachScrollers();
  document.body.dataset.courseReady = "";
});
