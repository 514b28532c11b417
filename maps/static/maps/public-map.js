/* The public map (/map/): vector-tile polygons, clustered points, a legend,
 * a permalink (#map=zoom/lat/lon&layers=…; filters stay in the query string)
 * and a search box. Detail pages run the same script on a few layers focused
 * on one record (``config.permalink`` and ``config.search`` off, regions to
 * ``highlight``, a ``marker``). The page passes everything it needs in
 * ``config``; no text from the data is ever written as HTML (textContent only). */
(function () {
  "use strict";

  var NARROW = window.matchMedia("(max-width: 767.98px)").matches;
  var WIDE = window.matchMedia("(min-width: 1400px)").matches;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function fill(template, id) {
    return template.replace("{id}", encodeURIComponent(id));
  }

  window.girrepoPublicMap = function (map, config) {
    var T = config.text;
    // Marker clustering needs a maximum zoom; folium sets none without base tiles.
    map.setMaxZoom(config.maxZoom);
    var paper = config.basemap === "none";
    var colours = {};
    config.categories.forEach(function (c) { colours[c.slug] = c.colour; });
    var highlight = config.highlight || { own: [], approx: [] };
    var ownCodes = {};
    var approxCodes = {};
    highlight.own.forEach(function (code) { ownCodes[code] = true; });
    highlight.approx.forEach(function (code) { approxCodes[code] = true; });
    // A highlighted region: a strong outline over whatever else is drawn.
    function focusStyle(p, base) {
      if (ownCodes[p.code]) {
        return L.extend({}, base, { className: base.className + " girrepo-focus", weight: 3, color: "#0d6efd", opacity: 1 });
      }
      if (approxCodes[p.code]) {
        return L.extend({}, base, {
          className: base.className + " girrepo-focus-approx", weight: 2.5, color: "#495057", opacity: 1, dashArray: "6 4"
        });
      }
      return base;
    }

    map.createPane("girrepoTiles").style.zIndex = 300;

    // ---- popups ----------------------------------------------------------
    function popup(kind, props) {
      var box = el("div", { "class": "girrepo-popup", "data-kind": kind });
      if (props.thumb) {
        box.appendChild(el("img", {
          "class": "girrepo-popup-thumb", src: config.mediaUrl + encodeURI(props.thumb),
          alt: "", width: "64", height: "64", loading: "lazy"
        }));
      }
      var body = el("div", { "class": "girrepo-popup-body" });
      body.appendChild(el("strong", {}, props.name));
      function line(text) { body.appendChild(el("div", { "class": "small" }, text)); }
      if (kind === "areas") {
        line(T[props.reg] || "");
        line(props.prec === "exact" ? T.exact : T.approximate);
      } else if (kind === "marks" || kind === "varieties") {
        if (props.species) { line(props.species); }
        line(props.region + (props.approx ? " · " + T.regionApprox : ""));
      } else if (kind === "producers") {
        if (props.products) { line(T.authorizedFor + ": " + props.products); }
      } else if (kind === "townships") {
        line(props.place);
        if (props.approx) { line(T.townshipApprox); }
      } else if (kind === "sites") {
        line(T.site + (props.products ? " · " + props.products : ""));
      } else if (props.code) {
        line(props.code);
      }
      var url = (kind === "counties" || kind === "prefectures")
        ? config.urls[kind].replace("000000", encodeURIComponent(props.code))
        : fill(config.urls[kind], kind === "sites" ? props.owner : props.id);
      body.appendChild(el("a", { href: url, "class": "girrepo-popup-link" }, T.details + " →"));
      box.appendChild(body);
      return box;
    }

    // ---- polygon layers: one vector-tile grid, one MVT layer each ----------
    // The layer control shows each polygon layer as its own overlay; behind
    // them is one grid whose URL lists the layers shown, so a tile position
    // costs one request however many layers are on.
    var TILE_STYLES = {
      counties: function (p) {
        return focusStyle(p, {
          className: "girrepo-f-counties", weight: 0.8, color: "#868e96", opacity: 1,
          fill: true, fillColor: "#fbfaf5", fillOpacity: paper ? 1 : 0
        });
      },
      prefectures: function (p) {
        return focusStyle(p, { className: "girrepo-f-prefectures", weight: 2, color: "#495057", opacity: 0.9, fill: false });
      },
      areas: function (p) {
        var colour = colours[p.cat] || "#7f7f7f";
        var exact = p.prec === "exact";
        return {
          className: "girrepo-f-areas", weight: exact ? 1.5 : 2, color: colour, opacity: 0.95,
          dashArray: exact ? null : "6 4",
          fill: true, fillColor: colour, fillOpacity: exact ? 0.35 : 0.15
        };
      },
      marks: function () {
        return {
          className: "girrepo-f-marks", weight: 2, color: "#6f42c1", dashArray: "2 5",
          fill: true, fillColor: "#6f42c1", fillOpacity: 0.08
        };
      },
      varieties: function () {
        return {
          className: "girrepo-f-varieties", weight: 2, color: "#198754", dashArray: "8 3 2 3",
          fill: true, fillColor: "#198754", fillOpacity: 0.08
        };
      }
    };
    // 512-pixel tiles, each drawn from the 256-pixel tile one zoom level up (as
    // Mapbox GL does): a quarter of the requests per view, and every outline
    // segment near a tile edge sent a quarter as often. The server's zoom bands
    // keep half a pixel of detail at their zoom, so one pixel at the map's.
    var Grid512 = L.VectorGrid.Protobuf.extend({
      _getVectorTilePromise: function (coords) {
        var up = L.point(coords.x, coords.y);
        up.z = coords.z - 1;
        return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, up);
      }
    });
    var extentBounds = L.latLngBounds(
      [config.yunnan[1] - 0.5, config.yunnan[0] - 0.5], [config.yunnan[3] + 0.5, config.yunnan[2] + 0.5]);
    var specs = {};
    config.layers.forEach(function (spec) { specs[spec.name] = spec; });
    var shownTiles = {};
    var grid = null;
    var pendingRefresh = null;

    function tileUrl(names) {
      var topics = {};
      names.forEach(function (name) { specs[name].topics.forEach(function (t) { topics[t] = true; }); });
      var version = Object.keys(topics).reduce(function (sum, t) { return sum + (config.versions[t] || 0); }, 0);
      var query = config.tiles.query ? config.tiles.query + "&" : "";
      return config.tiles.url + "?" + query + "layers=" + names.join(",") + "&v=" + version;
    }
    function refreshGrid() {
      pendingRefresh = null;
      var names = config.tiles.order.filter(function (name) { return shownTiles[name]; });
      // A new grid rather than setUrl(): GridLayer.redraw() asks for tiles at the
      // map's fractional zoom (e.g. 7.5 after fitBounds), which no server has.
      if (grid) { map.removeLayer(grid); grid = null; }
      if (!names.length) { return; }
      grid = new Grid512(tileUrl(names), {
        bounds: extentBounds,  // no requests for tiles that cannot hold any of Yunnan
        pane: "girrepoTiles",
        vectorTileLayerStyles: TILE_STYLES,
        interactive: true,
        tileSize: 512,
        minNativeZoom: 1,  // tile zoom 0 and up on the server
        maxNativeZoom: 19,
        attribution: config.attribution
      });
      grid.on("click", function (e) {
        var props = e.layer.properties;
        L.popup({ maxWidth: 280 }).setLatLng(e.latlng)
          .setContent(popup(props.layer, props)).openOn(map);
        L.DomEvent.stop(e);
      });
      grid.addTo(map);
    }
    var TileOverlay = L.Layer.extend({
      initialize: function (name) { this.name = name; },
      onAdd: function () { shownTiles[this.name] = true; scheduleRefresh(); },
      onRemove: function () { delete shownTiles[this.name]; scheduleRefresh(); }
    });
    // Toggling several layers at once (start-up, a pasted link) redraws once.
    function scheduleRefresh() {
      if (!pendingRefresh) { pendingRefresh = setTimeout(refreshGrid, 0); }
    }

    // ---- point layers: rows, clustered --------------------------------------
    // Zoomed out, the server clusters (a point alone in its cell comes as a
    // point), and those are drawn as they are; Leaflet.markercluster clusters
    // complete sets of points, and is loaded only when one first arrives
    // (9 kB off a province-wide first view).
    var clusterReady = null;
    function withMarkerCluster() {
      if (L.markerClusterGroup) { return Promise.resolve(); }
      if (!clusterReady) {
        clusterReady = new Promise(function (resolve, reject) {
          config.clusterAssets.css.forEach(function (href) {
            document.head.appendChild(el("link", { rel: "stylesheet", href: href }));
          });
          var script = el("script", { src: config.clusterAssets.js });
          script.onload = resolve;
          script.onerror = reject;
          document.head.appendChild(script);
        });
      }
      return clusterReady;
    }
    function pointLayer(spec) {
      var clusters = null;  // the markercluster group, once there are points
      var serverClusters = L.layerGroup();
      var group = L.featureGroup([serverClusters]);
      var plain = [];  // points the server already clustered around
      group.girrepoMarkers = function () { return plain.concat(clusters ? clusters.getLayers() : []); };
      function showMarkers(markers) {
        if (!clusters) {
          clusters = L.markerClusterGroup({
            showCoverageOnHover: false,
            maxClusterRadius: 50,
            chunkedLoading: true,
            iconCreateFunction: function (cluster) {
              return clusterIcon(spec.name, cluster.getChildCount());
            }
          });
          group.addLayer(clusters);
        }
        clusters.clearLayers();
        clusters.addLayers(markers);
      }
      var complete = false;
      var pending = null;

      function load() {
        if (complete || !map.hasLayer(group)) { return; }
        var url = spec.url + "&z=" + Math.round(map.getZoom());
        if (group._girrepoLoaded) {
          var b = map.getBounds().pad(0.25);
          url += "&bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
            .map(function (v) { return v.toFixed(2); }).join(",");
        }
        if (pending) { pending.abort(); }
        pending = new AbortController();
        fetch(url, { signal: pending.signal, credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            group._girrepoLoaded = true;
            complete = Boolean(data.complete);
            if (clusters) { clusters.clearLayers(); }
            serverClusters.clearLayers();
            plain = [];
            var markers = [];
            var columns = data.columns;
            data.points.forEach(function (row) {
              var props = {};
              columns.forEach(function (name, i) { if (row[i] !== null) { props[name] = row[i]; } });
              var marker = L.marker([props.lat, props.lon], {
                icon: L.divIcon({ className: "girrepo-marker girrepo-marker-" + spec.name, iconSize: [14, 14] }),
                title: props.name
              });
              marker.bindPopup(function () { return popup(spec.name, props); }, { maxWidth: 280 });
              markers.push(marker);
            });
            data.clusters.forEach(function (c) {
              var latlng = L.latLng(c[2], c[1]);
              var m = L.marker(latlng, { icon: clusterIcon(spec.name, c[0]), title: T.zoomIn });
              m.on("click", function () { map.setView(latlng, map.getZoom() + 2); });
              serverClusters.addLayer(m);
            });
            if (!data.complete || !markers.length) {
              plain = markers;
              markers.forEach(function (m) { serverClusters.addLayer(m); });
              group.fire("girrepo:loaded", { count: data.count });
              return null;
            }
            return withMarkerCluster().then(function () {
              showMarkers(markers);
              group.fire("girrepo:loaded", { count: data.count });
            });
          })
          .catch(function (err) {
            if (err.name !== "AbortError") { throw err; }
          });
      }
      group.on("add", load);
      map.on("moveend", load);
      return group;
    }

    function clusterIcon(name, count) {
      var size = count < 10 ? 30 : count < 100 ? 36 : 44;
      return L.divIcon({
        html: "<div><span>" + Number(count) + "</span></div>",
        className: "marker-cluster girrepo-cluster girrepo-cluster-" + name,
        iconSize: L.point(size, size)
      });
    }

    // ---- layers and the layer control ------------------------------------
    var layers = {};
    var overlays = {};
    config.layers.forEach(function (spec) {
      layers[spec.name] = spec.kind === "tiles" ? new TileOverlay(spec.name) : pointLayer(spec);
      overlays[spec.label] = layers[spec.name];
    });
    var state = config.permalink ? readHash() : { view: null, layers: null };
    // The view first: layers added before it would fetch the tiles of folium's
    // starting view as well.
    applyView(state.view);
    var shown = state.layers || config.layers.filter(function (s) { return s.on; })
      .map(function (s) { return s.name; });
    shown.forEach(function (name) { if (layers[name]) { layers[name].addTo(map); } });
    L.control.layers(null, overlays, { collapsed: NARROW || !config.permalink, position: "topright" }).addTo(map);
    legend().addTo(map);
    if (config.marker) {
      // The record itself (a producer's location): one point, written into the page.
      L.marker([config.marker.lat, config.marker.lon], {
        icon: L.divIcon({ className: "girrepo-marker girrepo-marker-focus", iconSize: [18, 18] }),
        title: config.marker.name,
        zIndexOffset: 1000
      }).bindTooltip(config.marker.name).addTo(map);
    }

    // ---- the view and the permalink --------------------------------------
    function fitBox(box) {
      map.fitBounds([[box[1], box[0]], [box[3], box[2]]],
        { animate: false, padding: [12, 12], maxZoom: config.fitMaxZoom || config.maxZoom });
    }
    function readHash() {
      var params = new URLSearchParams(window.location.hash.slice(1));
      var view = (params.get("map") || "").split("/").map(Number);
      var ok = view.length === 3 && view.every(function (v) { return isFinite(v); });
      return {
        view: ok ? view : null,
        layers: params.has("layers") ? params.get("layers").split(",").filter(Boolean) : null
      };
    }
    function applyView(view) {
      if (view) {
        map.setView([view[1], view[2]], view[0], { animate: false });
      } else {
        fitBox(config.bbox || config.yunnan);
      }
    }
    function writeHash() {
      var c = map.getCenter();
      var names = config.layers.filter(function (s) { return map.hasLayer(layers[s.name]); })
        .map(function (s) { return s.name; });
      var hash = "#map=" + (+map.getZoom().toFixed(2)) + "/" + c.lat.toFixed(5) + "/" +
        c.lng.toFixed(5) + "&layers=" + names.join(",");
      if (hash !== window.location.hash) {
        window.history.replaceState(null, "", window.location.pathname + window.location.search + hash);
      }
    }
    if (config.permalink) {
      map.on("moveend overlayadd overlayremove", writeHash);
      window.addEventListener("hashchange", onHashChange);
      writeHash();
    }
    function onHashChange() {
      var next = readHash();
      applyView(next.view);
      if (next.layers) {
        Object.keys(layers).forEach(function (name) {
          var want = next.layers.indexOf(name) >= 0;
          if (want && !map.hasLayer(layers[name])) { layers[name].addTo(map); }
          if (!want && map.hasLayer(layers[name])) { map.removeLayer(layers[name]); }
        });
      }
    }

    // ---- the filter form keeps the view; a new region jumps there --------
    var form = document.getElementById("map-filter-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var params = new URLSearchParams();
        new FormData(form).forEach(function (value, key) {
          if (String(value).trim()) { params.append(key, value); }
        });
        var before = new URLSearchParams(window.location.search).get("region") || "";
        var hash = window.location.hash;
        if ((params.get("region") || "") !== before) {
          hash = hash.replace(/(^#|&)map=[^&]*/, "$1").replace("#&", "#");
        }
        var query = params.toString();
        window.location.assign(window.location.pathname + (query ? "?" + query : "") + hash);
      });
    }

    // ---- search: a place or product, Chinese or pinyin -------------------
    var searchForm = config.search === false ? null : document.getElementById("map-search");
    var input = searchForm && document.getElementById("map-search-input");
    var list = searchForm && document.getElementById("map-search-results");
    var timer = null;
    var results = [];
    function hideResults() { list.hidden = true; list.replaceChildren(); }
    function go(result) {
      if (result.bbox) {
        map.fitBounds([[result.bbox[1], result.bbox[0]], [result.bbox[3], result.bbox[2]]],
          { animate: false, maxZoom: 12, padding: [12, 12] });
      } else {
        window.location.assign(result.url);
      }
      hideResults();
    }
    function search(jump) {
      var q = input.value.trim();
      if (!q) { hideResults(); return; }
      fetch(config.searchUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          results = data.results;
          list.replaceChildren();
          if (!results.length) {
            list.appendChild(el("li", { "class": "list-group-item small text-body-secondary" }, T.noResults));
          }
          results.forEach(function (r) {
            var item = el("li", { "class": "list-group-item list-group-item-action", role: "option", tabindex: "0" });
            item.appendChild(el("span", { "class": "fw-semibold" }, r.label));
            item.appendChild(el("span", { "class": "small text-body-secondary ms-2" },
              r.kind + (r.note ? " · " + r.note : "")));
            item.addEventListener("click", function () { go(r); });
            item.addEventListener("keydown", function (e) { if (e.key === "Enter") { go(r); } });
            list.appendChild(item);
          });
          list.hidden = false;
          if (jump && results.length) { go(results[0]); }
        });
    }
    if (searchForm) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { search(false); }, 200);
      });
      input.addEventListener("keydown", function (e) { if (e.key === "Escape") { hideResults(); } });
      searchForm.addEventListener("submit", function (e) {
        e.preventDefault();
        clearTimeout(timer);
        search(true);
      });
    }

    // ---- legend -----------------------------------------------------------
    function legend() {
      var control = L.control({ position: "bottomright" });
      control.onAdd = function () {
        var details = el("details", { "class": "girrepo-legend leaflet-bar" });
        if (WIDE && config.permalink) { details.setAttribute("open", ""); }
        details.appendChild(el("summary", {}, T.legend));
        function row(swatchClass, label, style) {
          var item = el("div", { "class": "girrepo-legend-row" });
          var swatch = el("span", { "class": "girrepo-swatch " + swatchClass });
          if (style) { swatch.setAttribute("style", style); }
          item.appendChild(swatch);
          item.appendChild(el("span", {}, label));
          details.appendChild(item);
        }
        // Only what this map can show (a detail page's map has a few layers).
        if (specs.areas) {
          details.appendChild(el("div", { "class": "girrepo-legend-heading" }, T.categories));
          var grid = el("div", { "class": "girrepo-legend-grid" });
          config.categories.forEach(function (c) {
            var item = el("div", { "class": "girrepo-legend-row" });
            item.appendChild(el("span", { "class": "girrepo-swatch girrepo-swatch-fill", style: "background:" + c.colour }));
            item.appendChild(el("span", {}, c.name));
            grid.appendChild(item);
          });
          details.appendChild(grid);
          row("girrepo-swatch-exact", T.exactLegend);
          row("girrepo-swatch-approx", T.approxLegend);
        }
        if (highlight.own.length) { row("girrepo-swatch-focus", T.focus); }
        if (highlight.approx.length) { row("girrepo-swatch-focus-approx", T.focusApprox); }
        if (specs.marks) { row("girrepo-swatch-mark", T.markRegion); }
        if (specs.varieties) { row("girrepo-swatch-variety", T.varietyRegion); }
        if (specs.producers) { row("girrepo-marker girrepo-marker-producers", T.authorizedProducer); }
        if (specs.townships) { row("girrepo-marker girrepo-marker-townships", T.townshipProduct); }
        if (specs.sites) { row("girrepo-marker girrepo-marker-sites", T.site); }
        L.DomEvent.disableClickPropagation(details);
        L.DomEvent.disableScrollPropagation(details);
        return details;
      };
      return control;
    }

    // For the browser tests and the console: the map and its layers by name.
    map.girrepoLayers = layers;
    map.girrepoGrid = function () { return grid; };
    window.girrepoMap = map;
  };
})();
