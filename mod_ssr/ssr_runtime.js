function (host, env) {
/*
 * ssr_runtime.js -- the host runtime installed in every heap before the
 * bundle runs (SPEC 2): console, timers, queueMicrotask, Promise,
 * AbortController/AbortSignal, process.env, and a require() that refuses.
 *
 * It is ES5.1 (Duktape 2.7).  host holds the few C functions it needs
 * (host.log); the object returned is the engine's handle on the event loop,
 * kept in the heap stash, never visible to the bundle.  The C side drives
 * the loop: it calls begin() once per render, then step() until the render
 * settles, sleeping between steps as long as step() says.
 */
'use strict';

var G = (function () { return this; })() || Function('return this')();
var LOG_ERR = 3, LOG_WARNING = 4, LOG_INFO = 6, LOG_DEBUG = 7;

/* --- microtasks ----------------------------------------------------------- */

var jobs = [];
var jobHead = 0;
var uncaught = null;
var hasUncaught = false;

function reportUncaught(e) {
    if (!hasUncaught) {
        hasUncaught = true;
        uncaught = e;
    }
}

function enqueueJob(fn) {
    jobs.push(fn);
}

function drainJobs() {
    while (jobHead < jobs.length) {
        var fn = jobs[jobHead];
        jobs[jobHead] = undefined;
        jobHead++;
        try {
            fn();
        } catch (e) {
            reportUncaught(e);
        }
    }
    jobs.length = 0;
    jobHead = 0;
}

function queueMicrotask(fn) {
    if (typeof fn !== 'function') {
        throw new TypeError('queueMicrotask: callback is not a function');
    }
    enqueueJob(fn);
}

/* --- Promise (only where the engine has none) ----------------------------- */

function isObjectLike(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function');
}

function makePromise() {
    var PENDING = 0, FULFILLED = 1, REJECTED = 2;

    function Promise(executor) {
        if (!(this instanceof Promise)) {
            throw new TypeError('Promise must be called with new');
        }
        if (typeof executor !== 'function') {
            throw new TypeError('Promise resolver is not a function');
        }
        this._state = PENDING;
        this._value = undefined;
        this._reactions = [];
        var fns = resolvingFunctions(this);
        try {
            executor(fns.resolve, fns.reject);
        } catch (e) {
            fns.reject(e);
        }
    }

    function resolvingFunctions(p) {
        var done = false;
        return {
            resolve: function (v) {
                if (done) { return; }
                done = true;
                resolvePromise(p, v);
            },
            reject: function (e) {
                if (done) { return; }
                done = true;
                settle(p, REJECTED, e);
            }
        };
    }

    function resolvePromise(p, v) {
        if (v === p) {
            settle(p, REJECTED, new TypeError('Chaining cycle detected for promise'));
            return;
        }
        if (!isObjectLike(v)) {
            settle(p, FULFILLED, v);
            return;
        }
        var then;
        try {
            then = v.then;
        } catch (e) {
            settle(p, REJECTED, e);
            return;
        }
        if (typeof then !== 'function') {
            settle(p, FULFILLED, v);
            return;
        }
        enqueueJob(function () {
            var fns = resolvingFunctions(p);
            try {
                then.call(v, fns.resolve, fns.reject);
            } catch (e) {
                fns.reject(e);
            }
        });
    }

    function settle(p, state, value) {
        if (p._state !== PENDING) { return; }
        p._state = state;
        p._value = value;
        var reactions = p._reactions;
        p._reactions = null;
        for (var i = 0; i < reactions.length; i++) {
            scheduleReaction(p, reactions[i]);
        }
    }

    function scheduleReaction(p, r) {
        enqueueJob(function () {
            var handler = p._state === FULFILLED ? r.onFulfilled : r.onRejected;
            if (typeof handler !== 'function') {
                if (p._state === FULFILLED) {
                    r.resolve(p._value);
                } else {
                    r.reject(p._value);
                }
                return;
            }
            var out;
            try {
                out = handler(p._value);
            } catch (e) {
                r.reject(e);
                return;
            }
            r.resolve(out);
        });
    }

    Promise.prototype.then = function (onFulfilled, onRejected) {
        var C = this.constructor && this.constructor.resolve ? this.constructor : Promise;
        var cap = newCapability(C);
        var r = {
            onFulfilled: onFulfilled,
            onRejected: onRejected,
            resolve: cap.resolve,
            reject: cap.reject
        };
        if (this._state === PENDING) {
            this._reactions.push(r);
        } else {
            scheduleReaction(this, r);
        }
        return cap.promise;
    };

    Promise.prototype['catch'] = function (onRejected) {
        return this.then(undefined, onRejected);
    };

    Promise.prototype['finally'] = function (f) {
        if (typeof f !== 'function') {
            return this.then(f, f);
        }
        var C = this.constructor || Promise;
        return this.then(function (v) {
            return C.resolve(f()).then(function () { return v; });
        }, function (e) {
            return C.resolve(f()).then(function () { throw e; });
        });
    };

    function newCapability(C) {
        var cap = {};
        cap.promise = new C(function (resolve, reject) {
            cap.resolve = resolve;
            cap.reject = reject;
        });
        return cap;
    }

    Promise.resolve = function (v) {
        if (v instanceof Promise && v.constructor === this) {
            return v;
        }
        var cap = newCapability(this);
        cap.resolve(v);
        return cap.promise;
    };

    Promise.reject = function (e) {
        var cap = newCapability(this);
        cap.reject(e);
        return cap.promise;
    };

    function toArray(iterable) {
        if (Array.isArray(iterable)) {
            return iterable.slice();
        }
        if (typeof Symbol === 'function' && iterable && typeof iterable[Symbol.iterator] === 'function') {
            var out = [], it = iterable[Symbol.iterator](), step;
            while (!(step = it.next()).done) {
                out.push(step.value);
            }
            return out;
        }
        if (iterable && typeof iterable.length === 'number') {
            return Array.prototype.slice.call(iterable);
        }
        throw new TypeError('object is not iterable');
    }

    /* Runs each item through C.resolve and calls onItem(index, promise);
     * shared by all/allSettled/race/any. */
    function combine(C, iterable, body) {
        var cap = newCapability(C);
        try {
            body(toArray(iterable), cap);
        } catch (e) {
            cap.reject(e);
        }
        return cap.promise;
    }

    Promise.all = function (iterable) {
        var C = this;
        return combine(C, iterable, function (items, cap) {
            var results = new Array(items.length), left = items.length;
            if (left === 0) { cap.resolve(results); return; }
            items.forEach(function (item, i) {
                C.resolve(item).then(function (v) {
                    results[i] = v;
                    if (--left === 0) { cap.resolve(results); }
                }, cap.reject);
            });
        });
    };

    Promise.allSettled = function (iterable) {
        var C = this;
        return combine(C, iterable, function (items, cap) {
            var results = new Array(items.length), left = items.length;
            if (left === 0) { cap.resolve(results); return; }
            items.forEach(function (item, i) {
                function done(r) {
                    results[i] = r;
                    if (--left === 0) { cap.resolve(results); }
                }
                C.resolve(item).then(function (v) {
                    done({ status: 'fulfilled', value: v });
                }, function (e) {
                    done({ status: 'rejected', reason: e });
                });
            });
        });
    };

    Promise.race = function (iterable) {
        var C = this;
        return combine(C, iterable, function (items, cap) {
            items.forEach(function (item) {
                C.resolve(item).then(cap.resolve, cap.reject);
            });
        });
    };

    Promise.any = function (iterable) {
        var C = this;
        return combine(C, iterable, function (items, cap) {
            var errors = new Array(items.length), left = items.length;
            function fail() {
                var e = new Error('All promises were rejected');
                e.name = 'AggregateError';
                e.errors = errors;
                cap.reject(e);
            }
            if (left === 0) { fail(); return; }
            items.forEach(function (item, i) {
                C.resolve(item).then(cap.resolve, function (e) {
                    errors[i] = e;
                    if (--left === 0) { fail(); }
                });
            });
        });
    };

    return Promise;
}

/* --- timers ----------------------------------------------------------------- */

var timers = {};      /* id -> timer */
var timerCount = 0;
var nextTimerId = 1;
var timerSeq = 0;

function addTimer(fn, delay, args, repeat) {
    if (typeof fn !== 'function') {
        throw new TypeError('timer callback is not a function');
    }
    delay = Number(delay);
    if (!(delay >= 1)) { delay = repeat ? 1 : 0; }
    if (delay > 2147483647) { delay = 1; }
    var id = nextTimerId++;
    timers[id] = {
        id: id, fn: fn, args: args, delay: delay, repeat: repeat,
        when: Date.now() + delay, seq: timerSeq++
    };
    timerCount++;
    return id;
}

function clearTimer(id) {
    if (id !== undefined && id !== null && timers.hasOwnProperty(id)) {
        delete timers[id];
        timerCount--;
    }
}

function earliestTimer() {
    var best = null;
    for (var k in timers) {
        if (timers.hasOwnProperty(k)) {
            var t = timers[k];
            if (best === null || t.when < best.when ||
                (t.when === best.when && t.seq < best.seq)) {
                best = t;
            }
        }
    }
    return best;
}

/* Runs every timer due by now, oldest first, each followed by its
 * microtasks (as Node does). */
function runDueTimers() {
    var now = Date.now();
    for (;;) {
        var t = earliestTimer();
        if (t === null || t.when > now) { return; }
        if (t.repeat) {
            t.when = now + t.delay;
            t.seq = timerSeq++;
        } else {
            clearTimer(t.id);
        }
        try {
            t.fn.apply(G, t.args);
        } catch (e) {
            reportUncaught(e);
        }
        drainJobs();
    }
}

function slice(args, from) {
    return Array.prototype.slice.call(args, from);
}

/* --- console ---------------------------------------------------------------- */

function formatValue(v, depth) {
    if (typeof v === 'string') { return v; }
    if (v instanceof Error) {
        return typeof v.stack === 'string' ? v.stack : String(v);
    }
    if (typeof v === 'function') {
        return '[Function' + (v.name ? ': ' + v.name : '') + ']';
    }
    if (isObjectLike(v)) {
        try {
            var s = JSON.stringify(v);
            if (s !== undefined) { return s; }
        } catch (e) {
            /* cycles and the like fall through */
        }
        try {
            return Object.prototype.toString.call(v);
        } catch (e2) {
            return '[object]';
        }
    }
    return String(v);
}

function consoleMethod(level) {
    return function () {
        var parts = [];
        for (var i = 0; i < arguments.length; i++) {
            parts.push(formatValue(arguments[i]));
        }
        host.log(level, parts.join(' '));
    };
}

var console = {
    log: consoleMethod(LOG_INFO),
    info: consoleMethod(LOG_INFO),
    warn: consoleMethod(LOG_WARNING),
    error: consoleMethod(LOG_ERR),
    debug: consoleMethod(LOG_DEBUG),
    trace: consoleMethod(LOG_DEBUG)
};
console.assert = function (cond) {
    if (!cond) {
        console.error.apply(null, ['Assertion failed'].concat(slice(arguments, 1)));
    }
};

/* --- Event, EventTarget, AbortController, AbortSignal ---------------------- */

function Event(type) {
    this.type = String(type);
    this.target = null;
    this.currentTarget = null;
    this.defaultPrevented = false;
    this.timeStamp = Date.now();
}
Event.prototype.preventDefault = function () { this.defaultPrevented = true; };
Event.prototype.stopPropagation = function () {};
Event.prototype.stopImmediatePropagation = function () { this._stop = true; };

function EventTarget() {
    this._listeners = {};
}
EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (!fn) { return; }
    var list = this._listeners[type] || (this._listeners[type] = []);
    for (var i = 0; i < list.length; i++) {
        if (list[i].fn === fn) { return; }
    }
    list.push({ fn: fn, once: !!(opts && typeof opts === 'object' && opts.once) });
};
EventTarget.prototype.removeEventListener = function (type, fn) {
    var list = this._listeners[type];
    if (!list) { return; }
    for (var i = 0; i < list.length; i++) {
        if (list[i].fn === fn) {
            list.splice(i, 1);
            return;
        }
    }
};
EventTarget.prototype.dispatchEvent = function (ev) {
    ev.target = ev.currentTarget = this;
    var handler = this['on' + ev.type];
    var list = (this._listeners[ev.type] || []).slice();
    if (typeof handler === 'function') {
        callListener(this, handler, ev);
    }
    for (var i = 0; i < list.length && !ev._stop; i++) {
        if (list[i].once) {
            this.removeEventListener(ev.type, list[i].fn);
        }
        callListener(this, list[i].fn, ev);
    }
    return !ev.defaultPrevented;
};

function callListener(target, fn, ev) {
    try {
        if (typeof fn === 'function') {
            fn.call(target, ev);
        } else if (fn && typeof fn.handleEvent === 'function') {
            fn.handleEvent(ev);
        }
    } catch (e) {
        reportUncaught(e);
    }
}

function domError(name, message) {
    var e = new Error(message);
    e.name = name;
    e.code = name === 'AbortError' ? 20 : name === 'TimeoutError' ? 23 : 0;
    return e;
}

var constructingSignal = false;

function AbortSignal() {
    if (!constructingSignal) {
        throw new TypeError('Illegal constructor');
    }
    EventTarget.call(this);
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
}
AbortSignal.prototype = Object.create(EventTarget.prototype);
AbortSignal.prototype.constructor = AbortSignal;
AbortSignal.prototype.throwIfAborted = function () {
    if (this.aborted) { throw this.reason; }
};

function newSignal() {
    constructingSignal = true;
    try {
        return new AbortSignal();
    } finally {
        constructingSignal = false;
    }
}

function abortSignal(signal, reason) {
    if (signal.aborted) { return; }
    signal.aborted = true;
    signal.reason = reason === undefined ?
        domError('AbortError', 'This operation was aborted') : reason;
    signal.dispatchEvent(new Event('abort'));
}

AbortSignal.abort = function (reason) {
    var s = newSignal();
    abortSignal(s, reason);
    return s;
};
AbortSignal.timeout = function (ms) {
    var s = newSignal();
    addTimer(function () {
        abortSignal(s, domError('TimeoutError', 'The operation was aborted due to timeout'));
    }, ms, [], false);
    return s;
};
AbortSignal.any = function (signals) {
    var s = newSignal();
    var list = Array.prototype.slice.call(signals);
    for (var i = 0; i < list.length; i++) {
        if (list[i].aborted) {
            abortSignal(s, list[i].reason);
            return s;
        }
    }
    list.forEach(function (src) {
        src.addEventListener('abort', function () { abortSignal(s, src.reason); });
    });
    return s;
};

function AbortController() {
    this.signal = newSignal();
}
AbortController.prototype.abort = function (reason) {
    abortSignal(this.signal, reason);
};

/* --- process, require ------------------------------------------------------- */

var process = {
    env: env,
    argv: [],
    platform: 'mod_ssr',
    browser: false,
    nextTick: function (fn) {
        var args = slice(arguments, 1);
        enqueueJob(function () { fn.apply(G, args); });
    }
};

function require(name) {
    throw new Error("require('" + String(name) + "') is not available: " +
                    'the SSR bundle must inline its dependencies');
}

/* --- globals ---------------------------------------------------------------- */

function define(name, value) {
    Object.defineProperty(G, name, {
        value: value, writable: true, configurable: true, enumerable: false
    });
}

if (typeof G.globalThis === 'undefined') { define('globalThis', G); }
if (typeof G.Promise !== 'function') { define('Promise', makePromise()); }
define('console', console);
define('queueMicrotask', queueMicrotask);
define('setTimeout', function (fn, ms) { return addTimer(fn, ms, slice(arguments, 2), false); });
define('setInterval', function (fn, ms) { return addTimer(fn, ms, slice(arguments, 2), true); });
define('setImmediate', function (fn) { return addTimer(fn, 0, slice(arguments, 1), false); });
define('clearTimeout', clearTimer);
define('clearInterval', clearTimer);
define('clearImmediate', clearTimer);
define('Event', Event);
define('EventTarget', EventTarget);
define('AbortController', AbortController);
define('AbortSignal', AbortSignal);
define('process', process);

/* --- what the engine drives ------------------------------------------------- */

var current = null;   /* the render in progress: { done, ok, value, ctrl } */

function trackResult(r, value) {
    if (isObjectLike(value)) {
        var then;
        try {
            then = value.then;
        } catch (e) {
            r.done = true; r.ok = false; r.value = e;
            return;
        }
        if (typeof then === 'function') {
            G.Promise.resolve(value).then(function (v) {
                r.done = true; r.ok = true; r.value = v;
            }, function (e) {
                r.done = true; r.ok = false; r.value = e;
            });
            return;
        }
    }
    r.done = true; r.ok = true; r.value = value;
}

function str(v) {
    return v === undefined || v === null ? undefined : String(v);
}

function ownHeaders(h, out) {
    function add(name, value) {
        if (value === undefined || value === null) { return; }
        if (Array.isArray(value)) {
            for (var i = 0; i < value.length; i++) { out.push(String(name), String(value[i])); }
        } else {
            out.push(String(name), String(value));
        }
    }
    if (!isObjectLike(h)) { return; }
    if (Array.isArray(h)) {
        for (var i = 0; i < h.length; i++) {
            if (Array.isArray(h[i]) && h[i].length >= 2) { add(h[i][0], h[i][1]); }
        }
    } else if (typeof h.forEach === 'function' && typeof h.get === 'function') {
        h.forEach(function (value, name) { add(name, value); });
    } else {
        Object.keys(h).forEach(function (name) { add(name, h[name]); });
    }
}

function describeResult(v) {
    if (typeof v === 'string') {
        return { kind: 'string', html: v };
    }
    if (v === null || typeof v !== 'object') {
        return { kind: 'bad', detail: 'render resolved to ' + (v === null ? 'null' : typeof v) +
                 ', not a string or { html, head }' };
    }
    var d = { kind: 'object', html: str(v.html), head: str(v.head), headers: [] };
    if (v.status !== undefined && v.status !== null) {
        d.status = typeof v.status === 'number' ? v.status : NaN;
    }
    ownHeaders(v.headers, d.headers);
    if (v.redirect !== undefined && v.redirect !== null && v.redirect !== false) {
        if (isObjectLike(v.redirect)) {
            d.redirect = str(v.redirect.url);
            if (v.redirect.status !== undefined) {
                d.redirectStatus = typeof v.redirect.status === 'number' ? v.redirect.status : NaN;
            }
        } else {
            d.redirect = String(v.redirect);
        }
    }
    return d;
}

function describeError(e) {
    var d = { kind: 'error' };
    if (isObjectLike(e)) {
        if (typeof e.code === 'string') { d.code = e.code; }
        if (typeof e.stack === 'string') { d.stack = e.stack; }
        if (e.target !== undefined && e.target !== null) { d.target = String(e.target); }
        if (typeof e.status === 'number') { d.status = e.status; }
    }
    try {
        d.message = String(e);
    } catch (x) {
        d.message = Object.prototype.toString.call(e);
    }
    return d;
}

return {
    /* Starts a render: builds context, calls render, tracks its value. */
    begin: function (render, url, manifest, info) {
        hasUncaught = false;
        uncaught = null;
        var ctrl = new AbortController();
        var context = {
            method: info.method, url: info.url, path: info.path, query: info.query,
            headers: info.headers, remoteAddr: info.remoteAddr,
            signal: ctrl.signal, env: env
        };
        var r = { done: false, ok: false, value: undefined, ctrl: ctrl };
        current = r;
        try {
            trackResult(r, render(url, manifest, context));
        } catch (e) {
            r.done = true; r.ok = false; r.value = e;
        }
    },
    /* One turn of the loop: due timers, then microtasks.  Returns -2 when
     * the render has settled, -3 on an uncaught error, otherwise the ms
     * until the next timer (-1: none, so nothing can ever settle it). */
    step: function () {
        drainJobs();
        runDueTimers();
        drainJobs();
        if (hasUncaught) { return -3; }
        if (current.done) { return -2; }
        var t = earliestTimer();
        if (t === null) { return -1; }
        var d = t.when - Date.now();
        return d > 0 ? d : 0;
    },
    /* Aborts the render's context.signal: name is 'AbortError' (the client
     * went away) or 'TimeoutError' (the deadline passed). */
    abort: function (name, message) {
        if (current) {
            current.ctrl.abort(domError(name, message));
        }
    },
    /* The settled render as plain fields the engine can read. */
    describe: function () {
        if (hasUncaught) { return describeError(uncaught); }
        return current.ok ? describeResult(current.value) : describeError(current.value);
    },
    /* Timers and jobs still queued once the render settled. */
    pending: function () {
        return timerCount + (jobs.length - jobHead);
    },
    /* Evaluates the CommonJS bundle; returns its render function. */
    loadModule: function (fn, filename) {
        var module = { exports: {}, id: filename, filename: filename, loaded: false };
        var dir = filename.replace(/\/[^\/]*$/, '') || '/';
        fn.call(module.exports, module.exports, require, module, filename, dir);
        module.loaded = true;
        drainJobs();
        if (hasUncaught) {
            var e = uncaught;
            hasUncaught = false;
            uncaught = null;
            throw e;
        }
        var render = module.exports && module.exports.render;
        if (typeof render !== 'function') {
            throw new TypeError('the bundle does not export a render function (module.exports.render is ' +
                                typeof render + ')');
        }
        return render;
    }
};
}
