/*
 * vite-plugin-mod-ssr runtime shims, put at the top of the server bundle.
 *
 * mod_ssr's host runtime (Duktape 2.7 plus console, timers, queueMicrotask,
 * Promise, AbortController, process.env) lacks a few web APIs that server
 * renderers touch when their module is evaluated. Each shim is installed
 * only where the global is missing, so a host that has the real thing keeps
 * it. Map, Set, WeakMap and WeakSet are the engine's own (C); built-ins
 * that core-js covers (Array.from, URL, structuredClone, ...) are not here:
 * the build adds those from core-js, only where the code uses them.
 *
 * Plain ES5: this file is not transpiled.
 */
(function (G) {
    'use strict';

    function define(name, value) {
        Object.defineProperty(G, name, {
            value: value, writable: true, configurable: true, enumerable: false
        });
    }

    function later(fn) {
        if (typeof G.setTimeout === 'function') {
            G.setTimeout(fn, 0);
        } else {
            fn();
        }
    }

    /* --- MessageChannel / MessagePort ---------------------------------------
     * React's Fizz server (react-dom/server.browser) creates one at module
     * evaluation and uses it to schedule work. Messages are delivered as
     * macrotasks (setTimeout 0), as in browsers and Node. */
    if (typeof G.MessageChannel === 'undefined') {
        var MessagePort = function MessagePort() {
            this._other = null;
            this._queue = [];
            this._started = false;
            this._closed = false;
            this._onmessage = null;
            this._listeners = [];
        };
        Object.defineProperty(MessagePort.prototype, 'onmessage', {
            configurable: true,
            enumerable: true,
            get: function () { return this._onmessage; },
            set: function (fn) {
                this._onmessage = fn;
                this.start();
            }
        });
        MessagePort.prototype.onmessageerror = null;
        MessagePort.prototype.start = function () {
            if (this._started) { return; }
            this._started = true;
            var queue = this._queue;
            this._queue = [];
            for (var i = 0; i < queue.length; i++) {
                this._schedule(queue[i]);
            }
        };
        MessagePort.prototype.close = function () {
            this._closed = true;
            if (this._other) { this._other._closed = true; }
        };
        MessagePort.prototype.postMessage = function (data) {
            var target = this._other;
            if (this._closed || !target || target._closed) { return; }
            if (target._started) {
                target._schedule(data);
            } else {
                target._queue.push(data);
            }
        };
        MessagePort.prototype._schedule = function (data) {
            var port = this;
            later(function () {
                if (port._closed) { return; }
                port._dispatch(data);
            });
        };
        MessagePort.prototype._dispatch = function (data) {
            var ev = { type: 'message', data: data, target: this, currentTarget: this, ports: [] };
            if (typeof this._onmessage === 'function') {
                this._onmessage.call(this, ev);
            }
            var list = this._listeners.slice();
            for (var i = 0; i < list.length; i++) {
                var l = list[i];
                if (typeof l === 'function') {
                    l.call(this, ev);
                } else if (l && typeof l.handleEvent === 'function') {
                    l.handleEvent(ev);
                }
            }
        };
        MessagePort.prototype.addEventListener = function (type, fn) {
            if (type !== 'message' || !fn) { return; }
            for (var i = 0; i < this._listeners.length; i++) {
                if (this._listeners[i] === fn) { return; }
            }
            this._listeners.push(fn);
        };
        MessagePort.prototype.removeEventListener = function (type, fn) {
            if (type !== 'message') { return; }
            for (var i = 0; i < this._listeners.length; i++) {
                if (this._listeners[i] === fn) {
                    this._listeners.splice(i, 1);
                    return;
                }
            }
        };
        var MessageChannel = function MessageChannel() {
            this.port1 = new MessagePort();
            this.port2 = new MessagePort();
            this.port1._other = this.port2;
            this.port2._other = this.port1;
        };
        define('MessagePort', MessagePort);
        define('MessageChannel', MessageChannel);
    }

    /* --- Symbol.replace/match/search/split on RegExp.prototype ---------------
     * Duktape has Symbol but not these well-known symbols, and its String
     * methods do not look them up. The build keeps Duktape's native RegExp
     * and String.prototype.replace/match/search/split (core-js's full
     * replacements cost half the render speed), so the protocol that
     * core-js's replaceAll/matchAll and Babel's named-group regexps call into
     * is provided here, on top of the natives. Defined before core-js runs,
     * these are the symbols core-js uses too. */
    if (typeof G.Symbol === 'function' && typeof G.Symbol() === 'symbol') {
        var natives = {
            replace: String.prototype.replace,
            match: String.prototype.match,
            search: String.prototype.search,
            split: String.prototype.split
        };
        var names = ['replace', 'match', 'search', 'split'];
        for (var n = 0; n < names.length; n++) {
            var name = names[n];
            if (G.Symbol[name] === undefined) {
                Object.defineProperty(G.Symbol, name, {
                    value: G.Symbol('Symbol.' + name),
                    writable: false, enumerable: false, configurable: false
                });
            }
            if (typeof RegExp.prototype[G.Symbol[name]] !== 'function') {
                Object.defineProperty(RegExp.prototype, G.Symbol[name], {
                    value: (function (nativeMethod) {
                        return function (string, arg) {
                            return nativeMethod.call(String(string), this, arg);
                        };
                    })(natives[name]),
                    writable: true, enumerable: false, configurable: true
                });
            }
        }
    }

    /* --- TextEncoder / TextDecoder (UTF-8 only) -------------------------------
     * Duktape 2.7 has both; these are for hosts built without them. */
    if (typeof G.TextEncoder === 'undefined' && typeof G.Uint8Array !== 'undefined') {
        var TextEncoder = function TextEncoder() {};
        TextEncoder.prototype.encoding = 'utf-8';
        TextEncoder.prototype.encode = function (input) {
            var s = input === undefined ? '' : String(input);
            var bytes = [];
            for (var i = 0; i < s.length; i++) {
                var c = s.charCodeAt(i);
                if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
                    var d = s.charCodeAt(i + 1);
                    if (d >= 0xdc00 && d <= 0xdfff) {
                        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                        i++;
                    } else {
                        c = 0xfffd;
                    }
                } else if (c >= 0xd800 && c <= 0xdfff) {
                    c = 0xfffd;
                }
                if (c < 0x80) {
                    bytes.push(c);
                } else if (c < 0x800) {
                    bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
                } else if (c < 0x10000) {
                    bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
                } else {
                    bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63),
                               0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
                }
            }
            return new G.Uint8Array(bytes);
        };
        TextEncoder.prototype.encodeInto = function (input, dest) {
            var bytes = this.encode(input);
            var n = Math.min(bytes.length, dest.length);
            for (var i = 0; i < n; i++) { dest[i] = bytes[i]; }
            return { read: String(input).length, written: n };
        };
        define('TextEncoder', TextEncoder);
    }
    if (typeof G.TextDecoder === 'undefined' && typeof G.Uint8Array !== 'undefined') {
        var TextDecoder = function TextDecoder(label) {
            var enc = label === undefined ? 'utf-8' : String(label).toLowerCase();
            if (enc !== 'utf-8' && enc !== 'utf8') {
                throw new RangeError('TextDecoder: only utf-8 is supported, not ' + label);
            }
            this.encoding = 'utf-8';
            this._pending = [];
        };
        TextDecoder.prototype.decode = function (input, options) {
            var bytes = this._pending;
            this._pending = [];
            if (input !== undefined && input !== null) {
                var view = input instanceof G.Uint8Array ? input :
                    (input.buffer ? new G.Uint8Array(input.buffer, input.byteOffset || 0, input.byteLength)
                                  : new G.Uint8Array(input));
                for (var k = 0; k < view.length; k++) { bytes.push(view[k]); }
            }
            var stream = !!(options && options.stream);
            var out = '';
            var i = 0;
            while (i < bytes.length) {
                var b = bytes[i];
                var need = b < 0x80 ? 0 : b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
                if (need < 0) { out += '\ufffd'; i++; continue; }
                if (i + need >= bytes.length) {
                    /* an incomplete sequence at the end */
                    if (stream) { this._pending = bytes.slice(i); } else { out += '\ufffd'; }
                    break;
                }
                var c = need === 0 ? b : b & (0x3f >> need);
                var ok = true;
                for (var j = 1; j <= need; j++) {
                    var cb = bytes[i + j];
                    if ((cb & 0xc0) !== 0x80) { ok = false; break; }
                    c = (c << 6) | (cb & 0x3f);
                }
                if (!ok) { out += '\ufffd'; i++; continue; }
                i += need + 1;
                if (c >= 0x10000) {
                    c -= 0x10000;
                    out += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
                } else {
                    out += String.fromCharCode(c);
                }
            }
            return out;
        };
        define('TextDecoder', TextDecoder);
    }
    /* --- Reflect.get / Reflect.set with a receiver ------------------------
     * Duktape 2.7 throws "unsupported" when the receiver is not the target.
     * Vue's reactive() proxies pass themselves as the receiver on every read
     * and write, so any reactive object read during a render failed
     * (vue-router's RouterLink, a reactive() store). core-js does not replace
     * a Reflect.get that exists. Where the engine refuses, these follow the
     * specification's lookup: an accessor found on the target's prototype
     * chain is called with the receiver; a data property is read from the
     * target. A write of a data property goes to the receiver when the
     * receiver inherits from the target (an ordinary object), and to the
     * target otherwise: Duktape cannot define properties on a Proxy, and a
     * Proxy over the target (Vue's case) stores to the target anyway. */
    if (typeof G.Reflect === 'object' && G.Reflect !== null) {
        var R = G.Reflect;
        var reflectGet = R.get;
        var reflectSet = R.set;
        var receiverUnsupported = function (probe) {
            try { probe(); return false; } catch (e) { return true; }
        };
        var lookup = function (o, key) {
            for (; o !== null && o !== undefined; o = Object.getPrototypeOf(o)) {
                var d = Object.getOwnPropertyDescriptor(o, key);
                if (d) { return d; }
            }
            return undefined;
        };
        var inherits = function (o, proto) {
            for (o = Object.getPrototypeOf(o); o !== null; o = Object.getPrototypeOf(o)) {
                if (o === proto) { return true; }
            }
            return false;
        };
        if (typeof reflectGet === 'function' &&
            receiverUnsupported(function () { reflectGet({}, 'x', {}); })) {
            Object.defineProperty(R, 'get', {
                configurable: true, writable: true, enumerable: false,
                value: function get(target, key, receiver) {
                    if (arguments.length < 3 || receiver === target ||
                        target === null || typeof target !== 'object' && typeof target !== 'function') {
                        return reflectGet.apply(R, arguments);
                    }
                    var d = lookup(target, key);
                    if (d === undefined) { return target[key]; }
                    if ('value' in d) { return d.value; }
                    return d.get === undefined ? undefined : d.get.call(receiver);
                }
            });
        }
        if (typeof reflectSet === 'function' &&
            receiverUnsupported(function () { reflectSet({}, 'x', 1, {}); })) {
            Object.defineProperty(R, 'set', {
                configurable: true, writable: true, enumerable: false,
                value: function set(target, key, value, receiver) {
                    if (arguments.length < 4 || receiver === target ||
                        target === null || typeof target !== 'object' && typeof target !== 'function') {
                        return reflectSet.apply(R, arguments);
                    }
                    var d = lookup(target, key);
                    if (d !== undefined && !('value' in d)) {
                        if (d.set === undefined) { return false; }
                        d.set.call(receiver, value);
                        return true;
                    }
                    if (d !== undefined && !d.writable) { return false; }
                    if (receiver !== null && typeof receiver === 'object' && inherits(receiver, target)) {
                        return reflectSet(receiver, key, value, receiver);
                    }
                    return reflectSet(target, key, value, target);
                }
            });
        }
    }
})(typeof globalThis !== 'undefined' ? globalThis : Function('return this')());
