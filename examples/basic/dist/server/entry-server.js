/*
 * The server entry of the basic example, written by hand in the form a
 * build for mod_ssr produces: one CommonJS script in the JavaScript Duktape
 * runs (ES5.1: var and function, no let/const, arrows, template literals or
 * classes).  Promise and setTimeout come from the host.
 */
'use strict';

var pages = {
  '': {
    title: 'Home',
    description: 'A page rendered inside Apache httpd by mod_ssr.',
    intro: 'This page was rendered on the server, inside Apache httpd, by ' +
      'the JavaScript in dist/server/entry-server.js. The counter below ' +
      'starts working once the browser has loaded the client script.'
  },
  about: {
    title: 'About',
    description: 'What the mod_ssr demo is made of.',
    intro: 'mod_ssr serves a Vite app\'s production build: Apache sends the ' +
      'static files, and pages are rendered by the app\'s SSR bundle in an ' +
      'embedded JavaScript engine. No Node.js runs in production.'
  }
};

var HTML_ESCAPES = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'
};

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, function (c) {
    return HTML_ESCAPES[c];
  });
}

/* render() gets the URL with the base removed: "/" arrives as "",
 * "/about?x=1" as "about?x=1".  The template's own name is the home page. */
function routeOf(url) {
  var path = String(url).split(/[?#]/)[0].replace(/^\/+|\/+$/g, '');
  return path === 'index.html' ? '' : path;
}

function notFound(url) {
  var err = new Error('no page for ' + url);
  err.code = 'LOADER_NOT_FOUND';
  return err;
}

/* Stands for the data a real app would fetch before rendering. */
function loadData(context) {
  var headers = context.headers || {};
  var env = typeof process !== 'undefined' && process.env ? process.env : {};
  return new Promise(function (resolve) {
    setTimeout(function () {
      resolve({
        appName: env.APP_NAME || 'mod_ssr',
        userAgent: headers['user-agent'] || '(none)'
      });
    }, 0);
  });
}

function nav(route) {
  var links = [['', 'Home'], ['about', 'About']];
  var out = '';
  for (var i = 0; i < links.length; i++) {
    out += '<a href="/' + links[i][0] + '"' +
      (links[i][0] === route ? ' aria-current="page"' : '') + '>' +
      links[i][1] + '</a>';
  }
  return '<nav>' + out + '</nav>';
}

function renderPage(route, page, data) {
  return {
    status: 200,
    head: '<title>' + escapeHtml(page.title + ' - ' + data.appName) + '</title>' +
      '<meta name="description" content="' + escapeHtml(page.description) + '" />',
    html: '<header>' + nav(route) + '</header>' +
      '<main>' +
      '<h1>' + escapeHtml(page.title) + '</h1>' +
      '<p>' + escapeHtml(page.intro) + '</p>' +
      '<p><button id="counter" type="button">count is 0</button></p>' +
      '<dl class="facts">' +
      '<dt>Served by</dt><dd>' + escapeHtml(data.appName) + '</dd>' +
      '<dt>Your browser</dt><dd>' + escapeHtml(data.userAgent) + '</dd>' +
      '</dl>' +
      '</main>'
  };
}

module.exports.render = function (url, ssrManifest, context) {
  var route = routeOf(url);
  if (!Object.prototype.hasOwnProperty.call(pages, route)) {
    throw notFound(url);
  }
  return loadData(context || {}).then(function (data) {
    return renderPage(route, pages[route], data);
  });
};
