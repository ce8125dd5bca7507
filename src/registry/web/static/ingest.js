// The ingest form without a page load: the same POST, sent in the background, so a
// long ingest shows how long it has run and the page stays usable. The server answers
// the outcome as JSON (Accept: application/json); without this script the form posts
// and the server renders the same outcome.
(function () {
  "use strict";
  var form = document.getElementById("ingest-form");
  if (!form || !window.fetch) { return; }
  var url = document.getElementById("ingest-url");
  var type = document.getElementById("ingest-type");
  var outcome = document.getElementById("outcome");
  var progress = document.getElementById("ingest-progress");
  var submit = document.getElementById("ingest-submit");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var typeTouched = false;

  function guess(value) {
    var u;
    try { u = new URL(value); } catch (e) { return null; }
    var host = u.hostname.toLowerCase(), path = u.pathname.toLowerCase() + "/";
    if (host.endsWith("github.com")) { return "code"; }
    if (path.indexOf("/datasets/") !== -1 && (host.endsWith("huggingface.co") || host.indexOf("kaggle") !== -1)) { return "dataset"; }
    if (path.indexOf("/datasets/") === 0) { return "dataset"; }
    return "model";
  }
  type.addEventListener("change", function () { typeTouched = true; });
  url.addEventListener("input", function () {
    var g = guess(url.value);
    if (g && !typeTouched) { type.value = g; }
  });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }

  function show(result, status) {
    outcome.textContent = "";
    var box = el("div", null, "outcome outcome-" + status);
    var p = el("p");
    p.appendChild(el("strong", status + ": " + result.title + "."));
    p.appendChild(document.createTextNode(" " + result.message));
    box.appendChild(p);
    if (result.link) {
      var lp = el("p"), a = el("a", result.link_text);
      a.href = result.link;
      lp.appendChild(a);
      box.appendChild(lp);
    }
    if (result.failures && result.failures.length) {
      box.appendChild(el("h3", "Failing rules"));
      var ul = el("ul");
      result.failures.forEach(function (f) { ul.appendChild(el("li", f)); });
      box.appendChild(ul);
    }
    if (result.rating && Object.keys(result.rating).length) {
      box.appendChild(el("h3", "The rating"));
      var list = el("ul");
      Object.keys(result.rating).forEach(function (k) {
        var v = result.rating[k];
        if (/_latency$/.test(k) || k === "name" || k === "category") { return; }
        var text = typeof v === "number" ? v.toFixed(2) : (v && typeof v === "object") ?
          Object.keys(v).map(function (d) { return d.replace(/_/g, " ") + " " + Number(v[d]).toFixed(2); }).join(", ") : String(v);
        list.appendChild(el("li", k.replace(/_/g, " ") + ": " + text));
      });
      box.appendChild(list);
    }
    if (result.retry) {
      var again = el("button", "Try again");
      again.type = "button";
      again.addEventListener("click", send);
      box.appendChild(again);
    }
    outcome.appendChild(box);
  }

  function send() {
    var started = Date.now();
    var data = new FormData(form);
    submit.disabled = true;
    outcome.textContent = "Adding " + data.get("url") + "…";
    progress.hidden = false;
    progress.textContent = "Working for 0 s; you may keep using the page.";
    var timer = setInterval(function () {
      progress.textContent = "Working for " + Math.round((Date.now() - started) / 1000) + " s; you may keep using the page.";
    }, 1000);
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (resp) {
      return resp.json().then(function (body) {
        show(body.title ? body : { title: "Not added", message: body.message || resp.statusText, retry: resp.status >= 500 }, resp.status);
      });
    }).catch(function () {
      show({ title: "No answer", message: "the registry could not be reached", retry: true }, 0);
    }).then(function () {
      clearInterval(timer);
      progress.hidden = true;
      submit.disabled = false;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });
}());
