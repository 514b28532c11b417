/* A small site-drawing tool for a folium (Leaflet) map: click to place a point, or click
   the corners of a polygon and finish it. The result is written as GeoJSON (WGS-84,
   longitude first) into the form field named by data-target. No plugin, no CDN. */
(function () {
  "use strict";
  var box = document.getElementById("site-draw");
  if (!box || typeof L === "undefined") { return; }
  var map = window[box.dataset.map];
  var target = document.getElementById(box.dataset.target);
  if (!map || !target) { return; }
  var status = box.querySelector("[data-draw-status]");
  var finishButton = box.querySelector('[data-draw="finish"]');
  var style = {color: "#0d6efd", weight: 2, fillOpacity: 0.3};
  var mode = null;
  var vertices = [];
  var layer = L.layerGroup().addTo(map);

  function round(x) { return Math.round(x * 1e7) / 1e7; }
  function say(text) { if (status) { status.textContent = text; } }

  function redraw(closed) {
    layer.clearLayers();
    vertices.forEach(function (ll) { L.circleMarker(ll, {radius: 4, color: "#0d6efd"}).addTo(layer); });
    if (vertices.length > 1) {
      (closed ? L.polygon(vertices, style) : L.polyline(vertices, style)).addTo(layer);
    }
  }

  function write(geometry) {
    target.value = geometry ? JSON.stringify(geometry) : "";
  }

  function start(newMode) {
    mode = newMode;
    vertices = [];
    redraw(false);
    write(null);
    finishButton.disabled = true;
    map.getContainer().style.cursor = "crosshair";
    say(mode === "point" ? box.dataset.hintPoint || "" : box.dataset.hintPolygon || "");
  }

  function finish() {
    if (vertices.length < 3) { return; }
    var ring = vertices.map(function (ll) { return [round(ll.lng), round(ll.lat)]; });
    ring.push(ring[0]);
    write({type: "Polygon", coordinates: [ring]});
    redraw(true);
    mode = null;
    finishButton.disabled = true;
    map.getContainer().style.cursor = "";
  }

  map.on("click", function (e) {
    if (mode === "point") {
      vertices = [e.latlng];
      redraw(false);
      write({type: "Point", coordinates: [round(e.latlng.lng), round(e.latlng.lat)]});
      mode = null;
      map.getContainer().style.cursor = "";
    } else if (mode === "polygon") {
      vertices.push(e.latlng);
      redraw(false);
      finishButton.disabled = vertices.length < 3;
    }
  });

  box.addEventListener("click", function (e) {
    var action = e.target.getAttribute("data-draw");
    if (action === "point" || action === "polygon") { start(action); }
    else if (action === "finish") { finish(); }
    else if (action === "clear") { mode = null; vertices = []; redraw(false); write(null); }
  });
}());
