// A few DOM helpers, so views read as the page they build.

/** h("tag#id.class", {attributes, on: {event: handler}}, ...children) */
export function h(spec, attributes = {}, ...children) {
  const [, tag, id, classes] = spec.match(/^([a-z0-9]+)(?:#([\w-]+))?((?:\.[\w-]+)*)$/);
  const node = document.createElement(tag);
  if (id) node.id = id;
  if (classes) node.className = classes.slice(1).replaceAll(".", " ");
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** The error banner: the API's words, never a blank page. */
export function showError(error) {
  const banner = $("#error");
  banner.textContent = error?.message || String(error);
  banner.hidden = false;
}

export function clearError() {
  const banner = $("#error");
  banner.hidden = true;
  banner.textContent = "";
}

/** Runs an action, showing what went wrong instead of throwing. */
export async function attempt(action) {
  try {
    clearError();
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

export const bytes = (n) => {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
};

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
