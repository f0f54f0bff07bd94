// Keeps the status page's guest table fresh from /api/v1/guests, and offers reconcile / hold /
// release buttons once the operator has given the token (kept in this tab's sessionStorage only).
"use strict";
(function () {
  var KEY = "virtd-token";
  var ACTIONS = ["reconcile", "hold", "release"];

  function token() {
    return sessionStorage.getItem(KEY) || "";
  }

  function state(g) {
    if (g.held) return "held";
    if ((g.last_error || "") !== "" || g.last_result === "error") return "failed";
    if (g.comparison === "as_desired" && (g.restart_pending || []).length === 0) return "in_sync";
    return g.comparison === "unknown" ? "unknown" : "drifted";
  }

  function cell(tr, cls, text) {
    var td = document.createElement("td");
    td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
  }

  // as GuestAddress.text: "192.168.50.10/24 (lease), ..."; "-" for none, "unknown" when not read
  function addresses(list) {
    if (list === null || list === undefined) return "unknown";
    if (list.length === 0) return "-";
    return list
      .map(function (a) {
        return a.ip + (a.prefix >= 0 ? "/" + a.prefix : "") + " (" + a.source + ")";
      })
      .join(", ");
  }

  function row(g) {
    var s = state(g);
    var tr = document.createElement("tr");
    tr.className = s;
    tr.setAttribute("data-name", g.name);
    cell(tr, "name", g.name);
    cell(tr, "hypervisor", g.hypervisor);
    cell(tr, "desired", g.desired);
    cell(tr, "observed", g.observed);
    cell(
      tr,
      "differs",
      (g.differs || [])
        .map(function (d) {
          return d.field + ": wanted " + d.wanted + ", found " + d.found;
        })
        .join("; ")
    );
    cell(tr, "state", s.replace("_", " "));
    cell(tr, "result", g.last_result);
    cell(tr, "at", g.at);
    cell(tr, "retries", String(g.retries));
    cell(tr, "addresses", addresses(g.addresses));
    var detail = "";
    if ((g.restart_pending || []).length > 0) {
      detail = "restart pending: " + g.restart_pending.join(" ") + " ";
    }
    detail += g.last_error || "";
    cell(tr, "detail", detail.trim());
    var td = document.createElement("td");
    td.className = "actions";
    tr.appendChild(td);
    return tr;
  }

  function addButtons() {
    var rows = document.querySelectorAll("#guests tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var td = rows[i].querySelector("td.actions");
      td.textContent = "";
      if (token() === "") continue;
      ACTIONS.forEach(function (a) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = a;
        b.setAttribute("data-action", a);
        b.setAttribute("data-name", rows[i].getAttribute("data-name"));
        td.appendChild(b);
      });
    }
  }

  function say(text, bad) {
    var m = document.getElementById("message");
    m.textContent = text;
    m.className = bad ? "failed" : "";
  }

  function refresh() {
    fetch("api/v1/guests", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (guests) {
        var body = document.querySelector("#guests tbody");
        var fresh = document.createElement("tbody");
        guests.forEach(function (g) {
          fresh.appendChild(row(g));
        });
        body.parentNode.replaceChild(fresh, body);
        addButtons();
        document.getElementById("refreshed").textContent =
          "updated " + new Date().toLocaleTimeString();
      })
      .catch(function (e) {
        document.getElementById("refreshed").textContent = "virtd does not answer (" + e.message + ")";
      });
  }

  // The drivers, the manifest problems, the loop's health and (in fleet mode) the fleet, from the
  // page as the daemon renders it now (its own escaped HTML, parsed inertly): swapped in without a
  // reload.
  function refreshHeader() {
    fetch("./", { cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["health", "drivers", "problemsbox", "fleet"].forEach(function (id) {
          var now = document.getElementById(id);
          var next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () {});
  }

  function act(action, name) {
    fetch("api/v1/guests/" + encodeURIComponent(name) + "/" + action, {
      method: "POST",
      headers: { Authorization: "Bearer " + token() },
    })
      .then(function (r) {
        return r.json().then(function (j) {
          if (r.status === 401) sessionStorage.removeItem(KEY);
          say(r.ok ? j.message : j.error, !r.ok);
          showTokenForm();
          refresh();
        });
      })
      .catch(function (e) {
        say(e.message, true);
      });
  }

  function showTokenForm() {
    document.getElementById("tokenform").hidden = token() !== "";
    document.getElementById("forget").hidden = token() === "";
    addButtons();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.getElementById("tokenform").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t = document.getElementById("token").value.trim();
      document.getElementById("token").value = "";
      if (t !== "") sessionStorage.setItem(KEY, t);
      showTokenForm();
    });
    document.getElementById("forget").addEventListener("click", function () {
      sessionStorage.removeItem(KEY);
      showTokenForm();
    });
    document.getElementById("guests").addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-action]");
      if (b) act(b.getAttribute("data-action"), b.getAttribute("data-name"));
    });
    showTokenForm();
    setInterval(refresh, 2000);
    setInterval(refreshHeader, 10000);
  });
})();
