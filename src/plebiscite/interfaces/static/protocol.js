// Checks the protocol's control relations as the official types (docs/pages.md).
// The server computes them (/officials/protocol/check); this only sends the fields and
// shows the answer in a polite live region. Without this script the form still works.
(function () {
  "use strict";
  var form = document.getElementById("protocol-form");
  if (!form) { return; }
  var list = document.getElementById("relations");
  var hint = document.getElementById("nojs");
  if (hint) { hint.hidden = true; }
  var timer = null;
  var last = "";

  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name) { out[el.name] = el.value; }
    });
    return out;
  }

  function show(checks) {
    list.textContent = "";
    checks.forEach(function (c) {
      var li = document.createElement("li");
      li.className = c.ok ? "ok" : (c.hard ? "hard" : "soft");
      var head = document.createElement("strong");
      head.textContent = c.id + " (" + c.rule + "): " + c.state;
      li.appendChild(head);
      if (c.message) {
        var why = document.createElement("span");
        why.lang = "en";
        why.textContent = " " + c.message;
        li.appendChild(why);
      }
      list.appendChild(li);
    });
  }

  function check() {
    var body = JSON.stringify(fields());
    if (body === last) { return; }
    last = body;
    fetch(form.getAttribute("data-check") + location.search.replace(/pair=[^&]*&?/, ""), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-CSRF-Token": (form.querySelector("input[name=csrf]") || { value: "" }).value
      },
      credentials: "same-origin",
      body: body
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.checks) { show(data.checks); } })
      .catch(function () { /* the relations are checked again on submission */ });
  }

  form.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 250);
  });
  check();
})();
