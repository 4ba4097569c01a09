// The live handoff pages (bot/console/handoff_views.py): the queue and the conversation update
// themselves from server-sent events. Everything is written with textContent: texts are never HTML.
(function () {
  "use strict";

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function queuePage(table) {
    var body = table.tBodies[0];
    var live = document.getElementById("handoff-live");
    var source = new EventSource(table.getAttribute("data-stream"));
    source.addEventListener("queue", function (event) {
      var rows = JSON.parse(event.data);
      while (body.firstChild) { body.removeChild(body.firstChild); }
      rows.forEach(function (item) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-id", item.id);
        tr.setAttribute("data-status", item.status);
        cell(tr, (item.created_at || "").slice(11, 19));
        cell(tr, item.language_name);
        cell(tr, item.channel_label);
        cell(tr, item.status_label);
        cell(tr, item.taken_by || "nobody yet");
        var link = document.createElement("a");
        link.href = item.url;
        link.textContent = "Open";
        cell(tr, "").appendChild(link);
        body.appendChild(tr);
      });
      if (!rows.length) {
        var empty = document.createElement("tr");
        empty.className = "empty";
        var td = cell(empty, "Nobody is waiting.");
        td.colSpan = 6;
        body.appendChild(empty);
      }
      live.textContent = rows.length + (rows.length === 1 ? " open request." : " open requests.");
    });
  }

  function conversationPage(chat) {
    var after = chat.getAttribute("data-after") || "0";
    var status = document.getElementById("handoff-status");
    var holder = document.getElementById("handoff-with");
    var shown = { status: null, taken_by: null };
    var source = new EventSource(chat.getAttribute("data-stream") + "?after=" + encodeURIComponent(after));
    source.addEventListener("line", function (event) {
      var line = JSON.parse(event.data);
      if (chat.querySelector('li[data-id="' + line.id + '"]')) { return; }
      var li = document.createElement("li");
      li.className = "line " + line.who;
      li.setAttribute("data-id", line.id);
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = line.who === "user" ? "Newcomer" : (line.who === "bot" ? "Assistant" : line.staff);
      var at = document.createElement("span");
      at.className = "at";
      at.textContent = " " + line.at;
      var text = document.createElement("p");
      text.setAttribute("dir", "auto");
      text.textContent = line.text;
      li.appendChild(who);
      li.appendChild(at);
      li.appendChild(text);
      chat.appendChild(li);
    });
    source.addEventListener("state", function (event) {
      var state = JSON.parse(event.data);
      if (!state) { return; }
      if (shown.status !== null && (shown.status !== state.status || shown.taken_by !== state.taken_by)) {
        window.location.reload(); // the actions open to this staff member changed
        return;
      }
      shown = { status: state.status, taken_by: state.taken_by };
      if (state.status === "ended") { status.textContent = "Ended (" + state.end_reason + ")"; }
      holder.textContent = state.taken_by || "nobody yet";
    });
    var form = document.getElementById("reply-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var box = document.getElementById("reply-text");
        var body = new URLSearchParams(new FormData(form));
        fetch(form.action, {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "Accept": "application/json", "X-CSRF-Token": form.getAttribute("data-csrf") }
        }).then(function (resp) {
          if (resp.ok) { box.value = ""; box.focus(); } else { form.submit(); }
        });
      });
    }
  }

  var table = document.getElementById("handoffs");
  if (table) { queuePage(table); }
  var chat = document.getElementById("chat");
  if (chat) { conversationPage(chat); }
})();
