// The hotspot map's frame (sia/app/map_component.py): draws the folium map the page sends
// and reports clicks on it.
//
// It speaks Streamlit's component messages itself (componentReady, render, setFrameHeight,
// setComponentValue: the protocol streamlit-component-lib wraps for React) so that the frame
// loads nothing before the map but Leaflet: streamlit-folium's frame first loads a 225 kB
// React bundle, then Leaflet, and makes a new frame for every new map. Here the frame stays
// and a new map is drawn in place of the old one.
(function () {
  "use strict";

  // Only the app's own page (the frame's origin: the server serves both) is spoken to and
  // listened to: a page elsewhere that frames this one can neither read its clicks nor send it
  // a script to run.
  function send(type, fields) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, fields), window.location.origin);
  }

  // The map's own files are named from the app's root (/app/static/map/...): found below the
  // root this frame is served under (<app>/component/<name>/index.html), which is not the
  // server's root when the app has a base path (server.baseUrlPath) or sits behind a prefix.
  function fromAppRoot(url) {
    return url.charAt(0) === "/" && url.charAt(1) !== "/" ? new URL("../.." + url, window.location.href).href : url;
  }

  // Each script or style sheet is loaded once; scripts run in the order given (fetched at once).
  var loading = {};
  function load(url, isStyle) {
    url = fromAppRoot(url);
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var element = document.createElement(isStyle ? "link" : "script");
        if (isStyle) {
          element.rel = "stylesheet";
          element.href = url;
        } else {
          element.src = url;
          element.async = false;
        }
        element.onload = resolve;
        element.onerror = function () { reject(new Error("could not load " + url)); };
        document.head.appendChild(element);
      });
    }
    return loading[url];
  }

  // The last click on the map and the feature under it (its properties: the ward's name),
  // sent together once both events of one click have come in.
  var clicked = null, feature = null, featureClick = null, reporting = null;
  function report() {
    clearTimeout(reporting);
    reporting = setTimeout(function () {
      send("streamlit:setComponentValue", {
        dataType: "json",
        value: {last_clicked: clicked, last_active_drawing: feature},
      });
    }, 50);
  }
  function listen(map) {
    map.on("click", function (event) {
      clicked = {lat: event.latlng.lat, lng: event.latlng.lng};
      if (event.originalEvent !== featureClick) {
        feature = null; // a click beside every feature: the point alone says where
      }
      report();
    });
    // Every layer, also those switched on later (the layer control's overlays).
    map.eachLayer(function (layer) { layer.on("click", onLayerClick); });
    map.on("layeradd", function (event) {
      event.layer.off("click", onLayerClick);
      event.layer.on("click", onLayerClick);
    });
  }
  function onLayerClick(event) {
    var hit = event.propagatedFrom || event.layer || event.target;
    if (hit && hit.feature) {
      feature = {type: "Feature", properties: hit.feature.properties || {}};
      featureClick = event.originalEvent; // the map's own event for this click follows
      report();
    }
  }

  // The map drawn (its script), the nodes of its header, and the map itself: folium's script
  // names it map_div, like the element it is drawn in, so it is kept here too.
  var shown = null, header = [], map = null, drawing = Promise.resolve();
  function draw(args) {
    if (args.script === shown) {
      return Promise.resolve();
    }
    send("streamlit:setFrameHeight", {height: args.height});
    (args.css_links || []).forEach(function (url) { load(url, true); });
    return Promise.all((args.js_links || []).map(function (url) { return load(url, false); })).then(function () {
      if (map) {
        map.remove();
      }
      header.forEach(function (node) { node.remove(); });
      // folium's header (its styles) as inert markup, as streamlit-folium adds it: not run.
      var template = document.createElement("template");
      template.innerHTML = args.header || "";
      header = Array.prototype.slice.call(template.content.childNodes);
      header.forEach(function (node) { document.head.appendChild(node); });
      var old = document.getElementById("map_div");
      var container = document.createElement("div");
      container.id = "map_div";
      container.style.height = args.height + "px";
      old.replaceWith(container);
      clicked = feature = null;
      // folium's script declares its names with let and const: each map's in a scope of its
      // own, or the next map's would clash with them. The map (map_div) is put on the window.
      var script = document.createElement("script");
      script.textContent = "(function () {\n" + args.script + "\nwindow.map_div = map_div;\n})();";
      document.body.appendChild(script);
      script.remove(); // it has run; the next map's replaces it
      shown = args.script;
      map = window.map_div;
      listen(map);
    });
  }

  // The page waits with the rest of itself until the map is drawn when it sends a token
  // (sia/app/first_paint.py): the token goes back to the server, below the app's root, once,
  // with no body.
  var answered = {};
  function drawn(token) {
    if (!token || answered[token] || !/^[0-9a-f]{32}$/.test(token)) {
      return;
    }
    answered[token] = true;
    fetch(fromAppRoot("/_sia/drawn/" + token), {method: "POST", keepalive: true})
      .catch(function (error) { console.error(error); });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window.parent || event.origin !== window.location.origin || !data
        || data.type !== "streamlit:render") {
      return;
    }
    var args = data.args;
    drawing = drawing.then(function () { return draw(args); }).then(function () {
      drawn(args.drawn);
    }).catch(function (error) {
      console.error(error);
    });
  });
  send("streamlit:componentReady", {apiVersion: 1});
})();
