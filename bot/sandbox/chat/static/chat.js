/* The web chat simulator: each .pane is a phone playing one person (bot/sandbox/chat). */
(function () {
  "use strict";
  var BASE = "/sandbox/chat";
  var LOCATION = /^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$/;
  var POLL_MS = 1500;
  var setupData = null;
  var mapData = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
  }

  function post(path, body) {
    var json = !(body instanceof FormData);
    return fetch(BASE + path, {
      method: "POST", credentials: "same-origin",
      headers: json ? { "Content-Type": "application/json", "X-Linli-Chat": "1" } : { "X-Linli-Chat": "1" },
      body: json ? JSON.stringify(body) : body
    }).then(function (r) {
      return r.text().then(function (t) {
        var doc = null;
        try { doc = JSON.parse(t); } catch (e) { doc = { error: r.status + " " + t }; }
        if (!r.ok && !doc.error) doc.error = String(r.status);
        return doc;
      });
    });
  }

  function loadMap() {
    if (!mapData) mapData = getJSON(BASE + "/map");
    return mapData;
  }

  // -- point in polygon: which grid a picked place falls in --------------------------------
  function inRing(p, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > p[1]) !== (yj > p[1])) && (p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi)) inside = !inside;
    }
    return inside;
  }

  function gridAt(grids, p) {
    return grids.features.find(function (f) {
      var polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      return polys.some(function (poly) { return inRing(p, poly[0]); });
    });
  }

  // -- one phone ------------------------------------------------------------------------------
  function Phone(pane) {
    this.pane = pane;
    pane.appendChild(document.getElementById("phone-template").content.cloneNode(true));
    this.q = function (sel) { return pane.querySelector(sel); };
    this.msgs = this.q(".msgs");
    this.openid = null;
    this.cursor = null;
    this.transcripts = {};
    this.chart = null;
    this.picked = null;
    this.wire();
  }

  Phone.prototype.scroll = function () { this.msgs.scrollTop = this.msgs.scrollHeight; };

  Phone.prototype.add = function (side, content, kind, tag) {
    var row = el("div", "msg " + side);
    row.dataset.kind = kind;
    row.appendChild(el("div", "avatar", side === "out" ? "我" : "邻"));
    var body = el("div", "body");
    body.appendChild(content);
    if (tag) body.appendChild(el("div", "tag", tag));
    row.appendChild(body);
    this.msgs.appendChild(row);
    this.scroll();
    return row;
  };

  Phone.prototype.note = function (text, error) {
    var n = el("div", "note" + (error ? " error" : ""));
    n.appendChild(el("span", null, text));
    this.msgs.appendChild(n);
    this.scroll();
  };

  Phone.prototype.textBubble = function (side, text, kind, tag) {
    return this.add(side, el("div", "bubble", text), kind, tag);
  };

  Phone.prototype.imageBubble = function (side, src, kind, tag) {
    var b = el("div", "bubble pic");
    var img = el("img");
    img.src = src;
    img.alt = "图片";
    img.addEventListener("load", this.scroll.bind(this));
    b.appendChild(img);
    return this.add(side, b, kind, tag);
  };

  Phone.prototype.placeBubble = function (lat, lng, label) {
    var b = el("div", "bubble place");
    var head = el("b");
    head.appendChild(el("span", "pin"));
    head.appendChild(document.createTextNode(label || "位置"));
    b.appendChild(head);
    b.appendChild(el("small", null, lat.toFixed(6) + ", " + lng.toFixed(6)));
    return this.add("out", b, "location");
  };

  Phone.prototype.card = function (m) {
    var c = el("div", "card");
    c.appendChild(el("h4", null, m.title));
    if (m.first) c.appendChild(el("div", "first", m.first));
    var dl = el("dl");
    m.fields.forEach(function (f) { dl.appendChild(el("dt", null, f[0])); dl.appendChild(el("dd", null, f[1])); });
    c.appendChild(dl);
    if (m.remark) c.appendChild(el("div", "remark", m.remark));
    if (m.url || m.page) c.appendChild(el("div", "more", m.kind === "subscribe" ? "进入小程序查看" : "详情"));
    return this.add("in", c, m.kind, m.label);
  };

  Phone.prototype.push = function (m) {
    if (m.kind === "image") this.imageBubble("in", m.image, "push-image", m.label);
    else if (m.kind === "template" || m.kind === "subscribe") this.card(m);
    else this.textBubble("in", m.text, "push", m.label);
  };

  Phone.prototype.replied = function (doc) {
    if (doc.error) this.note(doc.error, true);
    else if (doc.reply) this.textBubble("in", doc.reply, "reply");
  };

  Phone.prototype.poll = function () {
    var self = this, openid = this.openid;
    if (this.cursor === null || this.polling) return;
    this.polling = true;
    getJSON(BASE + "/messages?openid=" + encodeURIComponent(openid) + "&since=" + this.cursor)
      .then(function (d) {
        if (openid !== self.openid) return;
        d.messages.forEach(function (m) { self.push(m); });
        self.cursor = d.last;
      })
      .catch(function () {})
      .then(function () { self.polling = false; });
  };

  Phone.prototype.become = function (openid) {
    var self = this;
    openid = (openid || "").trim();
    if (!openid || openid === this.openid) return;
    if (this.openid) this.transcripts[this.openid] = { nodes: Array.from(this.msgs.childNodes), cursor: this.cursor };
    this.msgs.textContent = "";
    this.openid = openid;
    this.pane.dataset.openid = openid;
    this.pane.dataset.ready = "";
    var person = (setupData.people || []).find(function (p) { return p.openid === openid; });
    this.q(".me").textContent = person ? (person.name || person.label) + " · " + openid : openid;
    var known = Array.from(this.q(".person").options).some(function (o) { return o.value === openid; });
    if (!known) {
      var o = el("option", null, openid);
      o.value = openid;
      this.q(".person").appendChild(o);
    }
    this.q(".person").value = openid;
    var saved = this.transcripts[openid];
    if (saved) {
      saved.nodes.forEach(function (n) { self.msgs.appendChild(n); });
      this.cursor = saved.cursor;
      this.pane.dataset.ready = "1";
      this.scroll();
      return;
    }
    this.cursor = null;
    this.note("你正在以 " + (person ? (person.name || openid) + "（" + person.label + "）" : openid) + " 的身份聊天");
    this.note("试试底部菜单，或点 ＋ 发照片、选位置、扫楼栋码");
    getJSON(BASE + "/messages?openid=" + encodeURIComponent(openid)).then(function (d) {
      if (openid !== self.openid) return;
      self.cursor = d.last;
      self.pane.dataset.ready = "1";
    });
  };

  Phone.prototype.sendText = function () {
    var input = this.q(".text"), text = input.value.trim();
    if (!text) return;
    input.value = "";
    var m = LOCATION.exec(text);
    if (m) this.placeBubble(parseFloat(m[1]), parseFloat(m[2]), "");
    else this.textBubble("out", text, "text");
    post("/send", { openid: this.openid, kind: "text", text: text }).then(this.replied.bind(this));
  };

  Phone.prototype.click = function (item) {
    this.note("点击菜单「" + item.name + "」");
    post("/send", { openid: this.openid, kind: "click", key: item.key }).then(this.replied.bind(this));
  };

  Phone.prototype.sendPhoto = function (file) {
    if (!file) return;
    this.imageBubble("out", URL.createObjectURL(file), "photo");
    var form = new FormData();
    form.append("openid", this.openid);
    form.append("photo", file, file.name || "photo.jpg");
    post("/photo", form).then(this.replied.bind(this));
  };

  Phone.prototype.follow = function () {
    var scene = this.q(".building").value;
    this.q(".qr").hidden = true;
    this.note(scene ? "扫描楼栋二维码 " + scene + "，关注了公众号" : "关注了公众号");
    post("/send", { openid: this.openid, kind: "follow", scene: scene }).then(this.replied.bind(this));
  };

  Phone.prototype.openPicker = function () {
    var self = this, box = this.q(".placepicker");
    box.hidden = false;
    this.q(".tray").hidden = true;
    if (this.chart) { this.chart.resize(); return; }
    loadMap().then(function (d) {
      var mapEl = self.q(".map");
      echarts.registerMap("linli-grids", d.grids);
      var c = echarts.init(mapEl, null, { renderer: "canvas" });
      self.chart = c;
      c.setOption({
        animation: false,
        geo: { map: "linli-grids", roam: true, nameProperty: "code", aspectScale: 0.85,
               layoutCenter: ["50%", "50%"], layoutSize: "96%", scaleLimit: { min: 0.8, max: 12 },
               label: { show: true, fontSize: 10, lineHeight: 13, color: "#37474f", formatter: function (p) {
                 var f = d.grids.features.find(function (g) { return g.properties.code === p.name; });
                 if (!f) return p.name;
                 var pr = f.properties, rest = pr.name.replace(pr.community, "");
                 return pr.code + "\n" + (rest && rest !== pr.name ? pr.community + "\n" + rest : pr.name); } },
               itemStyle: { areaColor: "#e3f2fd", borderColor: "#37474f", borderWidth: 1 },
               emphasis: { itemStyle: { areaColor: "#ffe082" } } },
        series: [{ type: "scatter", coordinateSystem: "geo", symbolSize: 16, data: [] }]
      });
      c.getZr().on("click", function (e) {
        var point = c.convertFromPixel("geo", [e.offsetX, e.offsetY]);
        if (!point) return;
        var f = gridAt(d.grids, point);
        var pr = f ? f.properties : null;
        var label = !pr ? "" : pr.name.indexOf(pr.community) === 0 ? pr.name : pr.community + " " + pr.name;
        self.picked = { lng: point[0], lat: point[1], label: label };
        c.setOption({ series: [{ data: [{ value: point, itemStyle: { color: "#c62828" } }] }] });
        self.q(".pp-info").textContent = (label || "网格之外") + "  " + point[1].toFixed(6) + ", " + point[0].toFixed(6);
        self.q(".pp-send").disabled = false;
      });
      mapEl.dataset.ready = "1";
    });
  };

  Phone.prototype.sendPlace = function () {
    var p = this.picked;
    if (!p) return;
    this.q(".placepicker").hidden = true;
    this.placeBubble(p.lat, p.lng, p.label);
    post("/send", { openid: this.openid, kind: "location", lat: p.lat, lng: p.lng, label: p.label })
      .then(this.replied.bind(this));
  };

  Phone.prototype.fill = function () {
    var self = this, select = this.q(".person");
    setupData.people.forEach(function (p) {
      var o = el("option", null, p.label + (p.name ? " · " + p.name : ""));
      o.title = p.openid;
      o.value = p.openid;
      select.appendChild(o);
    });
    var buildings = this.q(".building");
    var none = el("option", null, "（不带楼栋，直接关注）");
    none.value = "";
    buildings.appendChild(none);
    setupData.buildings.forEach(function (b) {
      var o = el("option", null, b.code + " " + b.name);
      o.value = b.code;
      buildings.appendChild(o);
    });
    this.q(".account").textContent = setupData.account;
    var menu = this.q(".menu");
    setupData.menu.forEach(function (group) {
      var item = el("div", "item"), top = el("button", null, group.name), sub = el("div", "sub");
      top.type = "button";
      sub.hidden = true;
      group.items.forEach(function (it) {
        var b = el("button", null, it.name);
        b.type = "button";
        b.dataset.key = it.key;
        b.addEventListener("click", function () { sub.hidden = true; self.click(it); });
        sub.appendChild(b);
      });
      top.addEventListener("click", function () {
        var open = sub.hidden;
        menu.querySelectorAll(".sub").forEach(function (s) { s.hidden = true; });
        sub.hidden = !open;
      });
      item.appendChild(sub);
      item.appendChild(top);
      menu.appendChild(item);
    });
  };

  Phone.prototype.wire = function () {
    var self = this, q = this.q;
    q(".send").addEventListener("click", function () { self.sendText(); });
    q(".text").addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.isComposing) self.sendText(); });
    q(".plus").addEventListener("click", function () {
      q(".tray").hidden = !q(".tray").hidden;
      q(".qr").hidden = true;
      self.scroll();
    });
    q(".pick-photo").addEventListener("click", function () { q(".photo-input").click(); });
    q(".photo-input").addEventListener("change", function (e) {
      self.sendPhoto(e.target.files[0]);
      e.target.value = "";
      q(".tray").hidden = true;
    });
    q(".pick-place").addEventListener("click", function () { self.openPicker(); });
    q(".pick-qr").addEventListener("click", function () { q(".tray").hidden = true; q(".qr").hidden = false; self.scroll(); });
    q(".follow").addEventListener("click", function () { self.follow(); });
    q(".pp-cancel").addEventListener("click", function () { q(".placepicker").hidden = true; });
    q(".pp-send").addEventListener("click", function () { self.sendPlace(); });
    q(".person").addEventListener("change", function (e) { self.become(e.target.value); });
    q(".use").addEventListener("click", function () { self.become(q(".openid").value); q(".openid").value = ""; });
    q(".openid").addEventListener("keydown", function (e) {
      if (e.key === "Enter") { self.become(e.target.value); e.target.value = ""; }
    });
  };

  function tick() {
    var now = new Date();
    document.querySelectorAll(".clock").forEach(function (c) {
      c.textContent = now.getHours() + ":" + String(now.getMinutes()).padStart(2, "0");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var phones = Array.from(document.querySelectorAll(".pane")).map(function (p) { return new Phone(p); });
    getJSON(BASE + "/setup").then(function (d) {
      setupData = d;
      phones.forEach(function (ph) { ph.fill(); ph.become(ph.pane.dataset.openid); });
      setInterval(function () { phones.forEach(function (ph) { ph.poll(); }); }, POLL_MS);
    });
    tick();
    setInterval(tick, 10000);
  });
})();
