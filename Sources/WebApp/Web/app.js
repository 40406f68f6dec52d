// ClipGen in the browser: a hash router over the views, the navigation for the signed-in role,
// and one event stream whose messages the current page listens to.
import * as api from "./api.js";
import { $, attempt, clearError, h } from "./dom.js";
import * as views from "./views.js";
import * as batches from "./batches.js";

const root = () => $("#main");
let listener = null;
let closeEvents = null;

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function nav() {
  const me = api.session.me;
  const links = [["#/", "Jobs"]];
  if (me) links.push(["#/batches", "Batches"], ["#/presets", "Presets"]);
  if (me && me.role !== "viewer") links.push(["#/keys", "API keys"]);
  if (me?.role === "admin") links.push(["#/admin/users", "Users"], ["#/admin/audit", "Audit"], ["#/admin/analytics", "Analytics"], ["#/admin/data", "Data"]);
  $("#nav").replaceChildren(...links.map(([href, label]) => h("a", { href, "aria-current": location.hash === href || (href === "#/" && !location.hash) ? "page" : null }, label)),
    me ? h("span#whoami.muted", {}, `${me.email} (${me.role})`) : null,
    me ? h("button#sign-out", { type: "button", on: { click: signOut } }, "Sign out") : null);
}

function signOut() {
  closeEvents?.();
  closeEvents = null;
  api.signOut();
  navigate("#/signin");
}

function connectEvents() {
  if (closeEvents || !api.session.token) return;
  closeEvents = api.events((event) => listener?.(event));
}

async function route() {
  clearError();
  listener = null;
  const context = { navigate, onEvent: (handler) => { listener = handler; } };
  if (!api.session.token) {
    nav();
    return views.signInView(root(), { onSignedIn: () => navigate("#/") });
  }
  if (!api.session.me) {
    const me = await attempt(() => api.call("GET", "/v1/me"));
    if (!me) return signOut();
    api.session.me = me;
  }
  // Without one the pages still work; pictures and players stay empty, and the banner says why.
  if (!api.session.mediaToken) await attempt(api.fetchMediaToken);
  connectEvents();
  nav();
  const parts = (location.hash || "#/").slice(1).split("/").filter(Boolean);
  const admin = api.session.me.role === "admin";
  switch (parts[0]) {
    case undefined: return views.homeView(root(), context);
    case "signin": return navigate("#/");
    // Ids from the address bar reach API paths only when they are ids: a crafted link cannot make
    // the app call another route with the user's token.
    case "sources": return api.isId(parts[1]) && api.isId(parts[2]) && parts.length === 3
      ? views.sourceView(root(), parts[1], parts[2], context) : views.notFoundView(root());
    case "jobs": return parts.length === 1 ? views.homeView(root(), context)
      : api.isId(parts[1]) && parts.length === 2 ? views.jobView(root(), parts[1], context) : views.notFoundView(root());
    case "keys": return views.keysView(root());
    case "presets": return views.presetsView(root());
    case "batches": return parts.length === 1 ? batches.batchesView(root(), context)
      : api.isId(parts[1]) && parts.length === 2 ? batches.batchView(root(), parts[1], context) : views.notFoundView(root());
    case "admin":
      if (!admin) return views.notFoundView(root());
      if (parts[1] === "users") return views.usersView(root());
      if (parts[1] === "audit") return views.auditView(root());
      if (parts[1] === "analytics") return views.analyticsView(root());
      if (parts[1] === "data") return views.dataView(root());
      return views.notFoundView(root());
    default: return views.notFoundView(root());
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("clipgen:signed-out", () => { closeEvents?.(); closeEvents = null; api.session.me = null; route(); });
$("#error").addEventListener("click", clearError);
route();
