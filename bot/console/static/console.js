/* linli 指挥中心: the charts and the grid map, drawn by the vendored ECharts from data the
   server embeds (script type="application/json") or serves (/console/map/data.json).
   No inline scripts (the Content-Security-Policy allows only files from /console/static). */
(function () {
  "use strict";
  var STATUS_COLORS = { submitted: "#8e24aa", dispatched: "#1565c0", accepted: "#0277bd",
    in_progress: "#00838f", reviewing: "#e08a00", reopened: "#6a1b9a", resolved: "#2e7d32",
    closed: "#9e9e9e", rejected: "#757575", merged: "#bdbdbd", hidden: "#bdbdbd" };

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function chart(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { c.resize(); });
    el.dataset.ready = "1";
    return c;
  }

  function overview() {
    var d = data("overview-data");
    if (!d) return;
    var daily = chart("chart-daily");
    if (daily) daily.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { data: ["新增", "办结"] },
      grid: { left: 36, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.daily.days },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "新增", type: "bar", data: d.daily.new, itemStyle: { color: "#1565c0" } },
               { name: "办结", type: "line", data: d.daily.closed, itemStyle: { color: "#2e7d32" } }]
    });
    var cats = chart("chart-categories");
    if (cats) cats.setOption({
      animation: false, tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "68%"], data: d.categories,
                 label: { formatter: "{b} {c}" } }]
    });
    // One row per ranked grid: the chart grows with them (not two bars filling 320 px).
    var rankEl = document.getElementById("chart-ranking");
    if (rankEl) rankEl.style.height = Math.max(120, 50 + 36 * d.ranking.length) + "px";
    var rank = chart("chart-ranking");
    if (rank) rank.setOption({
      animation: false, tooltip: { trigger: "axis" },
      grid: { left: 10, right: 50, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: d.ranking.map(function (u) { return u.name; }) },
      series: [{ type: "bar", barMaxWidth: 24, data: d.ranking.map(function (u) { return u.share; }),
                 label: { show: true, position: "right", formatter: "{c}%" },
                 itemStyle: { color: "#0b4a8b" } }]
    });
  }

  function drawMap(el, d, options) {
    echarts.registerMap("linli-grids", d.grids);
    var c = echarts.init(el, null, { renderer: "canvas" });
    window.addEventListener("resize", function () { c.resize(); });
    var maxOpen = Math.max(1, Math.max.apply(null, d.grids.features.map(function (f) { return f.properties.open; }).concat([1])));
    var series = [{
      type: "map", map: "linli-grids", geoIndex: 0, nameProperty: "code",
      data: d.grids.features.map(function (f) {
        return { name: f.properties.code, value: f.properties.open, overdue: f.properties.overdue,
                 label: f.properties.name };
      })
    }];
    if (options.markers) series.push({
      type: "scatter", coordinateSystem: "geo", symbolSize: 11, zlevel: 2,
      data: d.markers.map(function (m) {
        return { name: m.number, value: [m.lng, m.lat], status: m.status_name, category: m.category,
                 itemStyle: { color: STATUS_COLORS[m.status] || "#555",
                              borderColor: m.overdue ? "#c62828" : "#fff", borderWidth: m.overdue ? 3 : 1 } };
      })
    });
    c.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.seriesType === "scatter" || p.seriesType === "effectScatter") {
          if (!p.data || !p.data.category) return "";  // the picked place, not a case
          return p.name + " · " + p.data.category + " · " + p.data.status;
        }
        var f = d.grids.features.find(function (g) { return g.properties.code === p.name; });
        if (!f) return p.name;
        return f.properties.community + " · " + f.properties.name + "<br>未办结 " + f.properties.open +
               " 件，超时 " + f.properties.overdue + " 件";
      } },
      visualMap: { min: 0, max: maxOpen, left: 10, bottom: 10, text: ["未办结多", "少"], calculable: false,
                   inRange: { color: ["#e3f2fd", "#64b5f6", "#0d47a1"] }, seriesIndex: 0 },
      geo: { map: "linli-grids", roam: true, nameProperty: "code", aspectScale: 0.85,
             label: { show: true, formatter: function (p) {
               var f = d.grids.features.find(function (g) { return g.properties.code === p.name; });
               return f ? f.properties.name : p.name; }, fontSize: 11 },
             itemStyle: { borderColor: "#37474f", borderWidth: 1 },
             emphasis: { itemStyle: { areaColor: "#ffe082" } } },
      series: series
    });
    el.dataset.ready = "1";
    el.dataset.grids = String(d.grids.features.length);
    el.dataset.markers = String(d.markers ? d.markers.length : 0);
    return c;
  }

  function mapPage() {
    var el = document.getElementById("map");
    if (!el || !el.dataset.src) return;
    fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (d) {
        var c = drawMap(el, d, { markers: true });
        c.on("click", function (p) {
          if (p.seriesType === "scatter") { window.location = "/console/cases/" + encodeURIComponent(p.name); }
          else if (p.name) { window.location = "/console/cases?grid=" + encodeURIComponent(p.name); }
        });
      });
  }

  function pickerMap() {
    var el = document.getElementById("picker");
    if (!el || !el.dataset.src) return;
    var lat = document.getElementById("lat"), lng = document.getElementById("lng");
    fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (d) {
        d.markers = [];
        var c = drawMap(el, d, { markers: false });
        c.setOption({ visualMap: { show: false } });  // no counts here: only where to click
        function mark(point) {
          c.setOption({ series: [{}, { type: "scatter", coordinateSystem: "geo", symbolSize: 16,
            data: [{ value: point, itemStyle: { color: "#c62828" } }] }] });
        }
        var building = document.getElementById("building");
        c.getZr().on("click", function (e) {
          var point = c.convertFromPixel("geo", [e.offsetX, e.offsetY]);
          if (!point) return;
          lng.value = point[0].toFixed(6); lat.value = point[1].toFixed(6);
          if (building) building.value = "";
          mark(point);
        });
        // A place is a point or a building, not both: choosing a building drops the point.
        if (building) building.addEventListener("change", function () {
          if (!building.value) return;
          lat.value = ""; lng.value = "";
          c.setOption({ series: [{}, { type: "scatter", coordinateSystem: "geo", data: [] }] });
        });
      });
  }

  function caseMap() {
    var el = document.getElementById("case-map");
    if (!el || !el.dataset.src || !el.dataset.lat) return;
    var point = [parseFloat(el.dataset.lng), parseFloat(el.dataset.lat)];
    fetch(el.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (d) {
        d.markers = [];
        var c = drawMap(el, d, { markers: false });
        c.setOption({ geo: { center: point, zoom: 3 }, visualMap: { show: false },
          series: [{}, { type: "effectScatter", coordinateSystem: "geo", symbolSize: 14,
            data: [{ value: point, itemStyle: { color: "#c62828" } }] }] });
      });
  }

  // 周通报: per community and per grid, cases (bars, bottom axis) and the share resolved on
  // time (bars, top axis, %); one row per unit, the chart growing with them. On paper the
  // charts are drawn again at the A4 text width (186 mm ~ 700 px), so nothing is cut off.
  var PRINT_WIDTH = 680;
  function unitChart(id, d) {
    var el = document.getElementById(id);
    if (!el || !d) return null;
    el.style.height = Math.max(140, 70 + 44 * d.names.length) + "px";
    // twice the pixels at least: sharp on paper too (a printer has more dots than a screen)
    var c = echarts.init(el, null, { renderer: "canvas",
                                     devicePixelRatio: Math.max(2, window.devicePixelRatio || 1) });
    c.setOption({
      animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: ["上报（件）", "按时办结率（%）"], bottom: 0 },
      grid: { left: 10, right: 40, top: 28, bottom: 30, containLabel: true },
      xAxis: [{ type: "value", minInterval: 1, position: "bottom" },
              { type: "value", max: 100, position: "top", axisLabel: { formatter: "{value}%" },
                splitLine: { show: false } }],
      yAxis: { type: "category", inverse: true, data: d.names },
      series: [
        { name: "上报（件）", type: "bar", xAxisIndex: 0, barMaxWidth: 14, data: d.cases,
          label: { show: true, position: "right" }, itemStyle: { color: "#1565c0" } },
        { name: "按时办结率（%）", type: "bar", xAxisIndex: 1, barMaxWidth: 14, data: d.sla,
          label: { show: true, position: "right", formatter: "{c}%" }, itemStyle: { color: "#2e7d32" } }
      ]
    });
    window.addEventListener("resize", function () { c.resize(); });
    el.dataset.ready = "1";
    el.dataset.rows = String(d.names.length);
    return c;
  }

  function bulletin() {
    var d = data("bulletin-data");
    if (!d) return;
    var drawn = [unitChart("chart-communities", d.communities), unitChart("chart-grids", d.grids)]
      .filter(function (c) { return c; });
    function fit(paper) {
      drawn.forEach(function (c) { c.resize(paper ? { width: PRINT_WIDTH } : undefined); });
    }
    window.addEventListener("beforeprint", function () { fit(true); });
    window.addEventListener("afterprint", function () { fit(false); });
    var print = window.matchMedia ? window.matchMedia("print") : null;
    if (print && print.addEventListener) print.addEventListener("change", function (e) { fit(e.matches); });
    var button = document.getElementById("print");
    if (button) button.addEventListener("click", function () { window.print(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    overview(); mapPage(); pickerMap(); caseMap(); bulletin();
  });
})();
