// The sidebar's copy-link button: copies the address bar, which the app keeps equal to the view.
export default function (component) {
  const root = component.parentElement.querySelector(".lm-share");
  if (!root || root.dataset.ready) return;
  root.dataset.ready = "1";
  const status = root.querySelector(".lm-copied");
  root.querySelector(".lm-copy").addEventListener("click", async () => {
    // the address bar holds the link: the app rewrites it after every change
    const link = window.location.href;
    root.dataset.link = link;
    try {
      await navigator.clipboard.writeText(link);
      status.textContent = "Copied ✓";
    } catch (error) {
      // no clipboard API outside https or localhost: copy through a selected text field
      const field = document.createElement("textarea");
      field.value = link;
      document.body.appendChild(field);
      field.select();
      const copied = document.execCommand("copy");
      field.remove();
      status.textContent = copied ? "Copied ✓" : "Copy it from the address bar";
    }
  });
}
