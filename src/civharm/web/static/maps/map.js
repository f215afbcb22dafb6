/* The public map: incidents over offline vector layers, drawn with Leaflet.
 *
 * No tile server: the only layers are the country outlines and the city's neighbourhoods
 * this server sends. The page works without this script (a table lists the incidents);
 * the script only draws them. Everything it needs comes in data- attributes of the map's
 * element, and every text it shows is set as text (never as HTML).
 */
(function () {
  "use strict";

  var container = document.getElementById("incident-map");
  if (!container || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var data = container.dataset;
  var labels = {};
  try {
    labels = JSON.parse(data.labels || "{}");
  } catch (ignored) {
    labels = {};
  }
  var radiusScale = parseFloat(data.radiusScale) || 3.5;
  var radiusMin = parseFloat(data.radiusMin) || 3.5;
  var direction = data.pageDirection === "rtl" ? "rtl" : "ltr";

  var rootStyle = window.getComputedStyle(document.documentElement);
  function cssColour(name, fallback) {
    var value = rootStyle.getPropertyValue(name).trim();
    return value || fallback;
  }
  var GRADE_COLOURS = {
    confirmed: cssColour("--confirmed", "#7a0019"),
    fair: cssColour("--fair", "#c0392b"),
    weak: cssColour("--weak", "#e08e0b"),
    contested: cssColour("--contested", "#7d5ba6"),
    discounted: cssColour("--discounted", "#8c959f"),
    ungraded: cssColour("--muted", "#5b6168")
  };

  function gradeOf(properties) {
    return GRADE_COLOURS.hasOwnProperty(properties.grade) ? properties.grade : "ungraded";
  }

  function radiusFor(properties) {
    var deaths = properties.civilians_killed_max;
    if (typeof deaths !== "number" || deaths <= 0) {
      return radiusMin;
    }
    return Math.max(radiusMin, radiusScale * Math.sqrt(deaths));
  }

  function deathsText(properties) {
    var low = properties.civilians_killed_min;
    var high = properties.civilians_killed_max;
    if (typeof low !== "number" || typeof high !== "number") {
      return labels.notKnown || "not known";
    }
    return low === high ? String(low) : low + "\u2013" + high;
  }

  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    return node;
  }

  function incidentUrl(properties) {
    if (typeof properties.url === "string" && properties.url.charAt(0) === "/") {
      return properties.url;
    }
    return (data.incidentUrl || "/incidents/CODE").replace("CODE", encodeURIComponent(properties.code));
  }

  function drawnAs(properties) {
    if (properties.shape === "point") {
      return labels.point || "point";
    }
    if (properties.shape === "circle") {
      return (labels.circle || "circle of %(radius)d m").replace("%(radius)d", String(properties.radius_m));
    }
    var text = labels.area || "neighbourhood outline";
    return properties.area_name ? text + ": " + properties.area_name : text;
  }

  // Incidents drawn as the same neighbourhood outline, so that a click on an outline can
  // list them all (only the topmost outline receives the click).
  var byArea = {};

  function popupFor(properties) {
    var box = element("div", null, { "class": "incident-popup", dir: direction });
    var heading = element("a", properties.code, { href: incidentUrl(properties), dir: "ltr" });
    heading.className = "popup-code";
    heading.title = labels.open || "Open the incident";
    box.appendChild(heading);
    var list = element("dl");
    function row(term, value) {
      list.appendChild(element("dt", term));
      var dd = element("dd");
      if (value instanceof Node) {
        dd.appendChild(value);
      } else {
        dd.textContent = String(value);
      }
      list.appendChild(dd);
    }
    row(labels.date || "Date", element("span", properties.date, { dir: "ltr" }));
    var place = element("span");
    place.appendChild(element("span", properties.place, { dir: "ltr" }));
    if (properties.place_ar) {
      place.appendChild(element("br"));
      place.appendChild(element("span", properties.place_ar, { lang: "ar", dir: "rtl" }));
    }
    row(labels.place || "Place", place);
    var grade = gradeOf(properties);
    var gradeLabel = (labels.grades && labels.grades[grade]) || grade;
    row(labels.grade || "Grade", element("span", gradeLabel, { "class": "grade grade-" + (grade === "ungraded" ? "none" : grade) }));
    row(labels.deaths || "Civilian deaths", element("span", deathsText(properties), { dir: "ltr" }));
    var precision = (labels.precisions && labels.precisions[properties.geo_precision]) || properties.geo_precision;
    row(labels.precision || "Located to", precision);
    row(labels.drawnAs || "Drawn as", drawnAs(properties));
    box.appendChild(list);
    var others = properties.area ? (byArea[properties.area] || []).filter(function (p) {
      return p.code !== properties.code;
    }) : [];
    if (others.length) {
      box.appendChild(element("p", labels.sameArea || "Also in this neighbourhood", { "class": "popup-others-heading" }));
      var links = element("ul", null, { "class": "popup-others" });
      others.forEach(function (p) {
        var item = element("li");
        item.appendChild(element("a", p.code, { href: incidentUrl(p), dir: "ltr" }));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", p.date, { dir: "ltr" }));
        item.appendChild(document.createTextNode(" \u00b7 "));
        item.appendChild(element("span", deathsText(p), { dir: "ltr" }));
        links.appendChild(item);
      });
      box.appendChild(links);
    }
    return box;
  }

  function incidentStyle(feature) {
    var p = feature.properties;
    var colour = GRADE_COLOURS[gradeOf(p)];
    if (p.shape === "point") {
      return { color: "#ffffff", weight: 1, fillColor: colour, fillOpacity: 0.85 };
    }
    if (p.shape === "area") {
      return { color: colour, weight: 2, dashArray: "6 4", fillColor: colour, fillOpacity: 0.08 };
    }
    return { color: colour, weight: 1.5, dashArray: "3 3", fillColor: colour, fillOpacity: 0.22 };
  }

  function showFailure() {
    var note = element("p", labels.failed || "The map data could not be loaded.", { "class": "error", role: "alert" });
    container.parentNode.insertBefore(note, container);
  }

  function load(url) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      });
  }

  // Destroyed and severely damaged sites seen on satellite imagery: small dark dots on a
  // canvas (there may be thousands), under the incidents, in a layer the reader can switch
  // off and on. It starts off when the server says there are too many to draw at once.
  var DAMAGE_COLOURS = { destroyed: "#111111", severe: "#6b6b6b" };

  function damagePopup(properties) {
    var box = element("div", null, { "class": "damage-popup", dir: direction });
    var list = element("dl");
    function row(term, value, attributes) {
      list.appendChild(element("dt", term));
      var dd = element("dd");
      dd.appendChild(element("span", value, attributes));
      list.appendChild(dd);
    }
    var classes = labels.damageClasses || {};
    row(labels.site || "Site", properties.site, { dir: "ltr" });
    row(labels.damageClass || "Damage", classes[properties["class"]] || properties["class"]);
    row(labels.imageryDate || "Imagery date", properties.observed_on, { dir: "ltr" });
    if (properties.neighbourhood) {
      row(labels.neighbourhood || "Neighbourhood", properties.neighbourhood, { dir: "ltr" });
    }
    box.appendChild(list);
    return box;
  }

  function addDamage() {
    if (!data.damageUrl) {
      return;
    }
    map.createPane("damage").style.zIndex = 380;
    var renderer = L.canvas({ pane: "damage", padding: 0.2 });
    load(data.damageUrl).then(function (sites) {
      var layer = L.geoJSON(sites, {
        pane: "damage",
        pointToLayer: function (feature, latlng) {
          var colour = DAMAGE_COLOURS[feature.properties["class"]] || DAMAGE_COLOURS.destroyed;
          return L.circleMarker(latlng, {
            renderer: renderer, pane: "damage", radius: 2.5, weight: 1, color: "#111111",
            fillColor: colour, fillOpacity: 0.9
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(function () {
            return damagePopup(feature.properties);
          }, { maxWidth: 280 });
        }
      });
      var name = (labels.damageLayer || "Destroyed or severely damaged sites");
      if (sites.observed_on) {
        name += " (" + sites.observed_on + ")";
      }
      // Leaflet writes a layer's name as HTML: give it the name escaped.
      var escaped = element("span", name).innerHTML;
      L.control.layers(null, (function () {
        var overlays = {};
        overlays[escaped] = layer;
        return overlays;
      })(), { collapsed: false, position: direction === "rtl" ? "topleft" : "topright" }).addTo(map);
      if (data.damageOn === "true") {
        layer.addTo(map);
      }
    }).catch(function () {
      showFailure();
    });
  }

  container.classList.add("map-ready");
  var map = L.map(container, { minZoom: 3, maxZoom: 18, zoomSnap: 0.5, worldCopyJump: false });
  map.attributionControl.setPrefix("Leaflet");
  map.createPane("outlines").style.zIndex = 200;
  map.createPane("neighbourhoods").style.zIndex = 250;
  map.createPane("areas").style.zIndex = 350;
  map.setView([35.95, 39.0], 7);

  Promise.all([load(data.outlinesUrl), load(data.neighbourhoodsUrl), load(data.incidentsUrl)])
    .then(function (layers) {
      var outlines = L.geoJSON(layers[0], {
        pane: "outlines",
        interactive: false,
        style: function () {
          return { color: "#9aa3ad", weight: 1, fillColor: "#f6f4ee", fillOpacity: 1 };
        }
      }).addTo(map);
      map.attributionControl.addAttribution("Natural Earth");

      var neighbourhoods = L.geoJSON(layers[1], {
        pane: "neighbourhoods",
        style: function (feature) {
          if (feature.properties.kind === "city") {
            return { color: "#5b6168", weight: 1.5, fill: false, interactive: false };
          }
          return { color: "#b3b9c0", weight: 1, fillColor: "#ffffff", fillOpacity: 0.7 };
        },
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          if (p.kind === "city") {
            return;
          }
          var name = element("span");
          name.appendChild(element("span", p.name, { dir: "ltr" }));
          if (p.name_ar) {
            name.appendChild(document.createTextNode(" \u00b7 "));
            name.appendChild(element("span", p.name_ar, { lang: "ar", dir: "rtl" }));
          }
          layer.bindTooltip(name, { sticky: true, className: "neighbourhood-tooltip" });
        }
      }).addTo(map);

      var incidents = layers[2];
      incidents.features.forEach(function (feature) {
        var p = feature.properties;
        if (p.area) {
          (byArea[p.area] = byArea[p.area] || []).push(p);
        }
      });
      var drawn = L.geoJSON(incidents, {
        style: incidentStyle,
        pointToLayer: function (feature, latlng) {
          // GeoJSON layers restyle every feature with incidentStyle; only the radius is set here.
          return L.circleMarker(latlng, { radius: radiusFor(feature.properties) });
        },
        onEachFeature: function (feature, layer) {
          if (feature.properties.shape === "area" && layer.options) {
            layer.options.pane = "areas";
          }
          layer.bindPopup(function () {
            return popupFor(feature.properties);
          }, { maxWidth: 320 });
        }
      }).addTo(map);

      var bounds = drawn.getBounds();
      if (!bounds.isValid()) {
        bounds = neighbourhoods.getBounds();
      }
      if (!bounds.isValid()) {
        bounds = outlines.getBounds();
      }
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 });
      }
      addDamage();
      var table = document.querySelector("details.map-table");
      if (table && incidents.features.length > 20) {
        table.removeAttribute("open");
      }
    })
    .catch(function () {
      showFailure();
    });
})();
