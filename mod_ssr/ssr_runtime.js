function (host, env) {
/*
 * ssr_runtime.js -- the host runtime installed in every heap before the
 * bundle runs (SPEC 2): console, timers, queueMicrotask, Promise,
 * AbortController/AbortSignal, process.env, fetch with Headers, Request
 * and Response, and a require() that refuses.
 *
 * It is ES5.1 (Duktape 2.7).  host holds the few C functions it needs
 * (host.log; host.ioStart and host.ioCancel for fetch); the object returned is the engine's handle on the event loop,
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

/* --- ReadableStream, TextEncoder.encodeInto (only where missing) ---------- */

/* A minimal WHATWG ReadableStream: what server renderers use to hand out
 * their HTML (React's renderToReadableStream, Vue's renderToWebStream), and
 * what render() may return.  Default readers only (no BYOB, tee or pipes);
 * a 'bytes' source is treated as a default source of Uint8Arrays. */
function makeReadableStream() {
    function ReadableStreamDefaultController(stream) {
        this._stream = stream;
    }
    Object.defineProperty(ReadableStreamDefaultController.prototype, 'desiredSize', {
        configurable: true,
        get: function () {
            var s = this._stream;
            if (s._state === 'errored') { return null; }
            if (s._state === 'closed') { return 0; }
            return s._hwm - s._queueSize;
        }
    });
    Object.defineProperty(ReadableStreamDefaultController.prototype, 'byobRequest', {
        configurable: true,
        get: function () { return null; }
    });
    ReadableStreamDefaultController.prototype.enqueue = function (chunk) {
        var s = this._stream;
        if (s._closeRequested || s._state !== 'readable') {
            throw new TypeError('ReadableStream: cannot enqueue into a closed stream');
        }
        var reader = s._reader;
        if (reader && reader._reads.length > 0) {
            reader._reads.shift().resolve({ value: chunk, done: false });
        } else {
            s._queue.push(chunk);
            s._queueSize += s._sizeOf(chunk);
        }
        s._callPull();
    };
    ReadableStreamDefaultController.prototype.close = function () {
        var s = this._stream;
        if (s._closeRequested || s._state !== 'readable') {
            throw new TypeError('ReadableStream: the stream is already closing');
        }
        s._closeRequested = true;
        if (s._queue.length === 0) { s._close(); }
    };
    ReadableStreamDefaultController.prototype.error = function (e) {
        this._stream._error(e);
    };

    function ReadableStreamDefaultReader(stream) {
        if (!(stream instanceof ReadableStream)) {
            throw new TypeError('ReadableStreamDefaultReader: not a ReadableStream');
        }
        if (stream._reader) {
            throw new TypeError('ReadableStream is locked to a reader');
        }
        var reader = this;
        this._stream = stream;
        this._reads = [];
        this.closed = new G.Promise(function (resolve, reject) {
            reader._resolveClosed = resolve;
            reader._rejectClosed = reject;
        });
        this.closed['catch'](function () {});
        stream._reader = this;
        if (stream._state === 'closed') { reader._resolveClosed(undefined); }
        if (stream._state === 'errored') { reader._rejectClosed(stream._storedError); }
    }
    ReadableStreamDefaultReader.prototype.read = function () {
        var s = this._stream;
        if (!s) {
            return G.Promise.reject(new TypeError('ReadableStreamDefaultReader: the reader was released'));
        }
        if (s._queue.length > 0) {
            var chunk = s._queue.shift();
            s._queueSize -= s._sizeOf(chunk);
            if (s._closeRequested && s._queue.length === 0) {
                s._close();
            } else {
                s._callPull();
            }
            return G.Promise.resolve({ value: chunk, done: false });
        }
        if (s._state === 'closed') {
            return G.Promise.resolve({ value: undefined, done: true });
        }
        if (s._state === 'errored') {
            return G.Promise.reject(s._storedError);
        }
        var reads = this._reads;
        var p = new G.Promise(function (resolve, reject) {
            reads.push({ resolve: resolve, reject: reject });
        });
        s._callPull();
        return p;
    };
    ReadableStreamDefaultReader.prototype.cancel = function (reason) {
        if (!this._stream) {
            return G.Promise.reject(new TypeError('ReadableStreamDefaultReader: the reader was released'));
        }
        return this._stream._cancel(reason);
    };
    ReadableStreamDefaultReader.prototype.releaseLock = function () {
        var s = this._stream;
        if (!s) { return; }
        var e = new TypeError('ReadableStreamDefaultReader: the reader was released');
        var reads = this._reads;
        this._reads = [];
        for (var i = 0; i < reads.length; i++) { reads[i].reject(e); }
        if (s._state === 'readable') { this._rejectClosed(e); }
        s._reader = null;
        this._stream = null;
    };

    function ReadableStream(source, strategy) {
        if (!(this instanceof ReadableStream)) {
            throw new TypeError('ReadableStream must be called with new');
        }
        source = source === undefined || source === null ? {} : source;
        strategy = strategy || {};
        var bytes = source.type === 'bytes';
        if (source.type !== undefined && !bytes) {
            throw new RangeError('ReadableStream: unsupported source type ' + String(source.type));
        }
        var hwm = strategy.highWaterMark === undefined ? (bytes ? 0 : 1)
                                                       : Number(strategy.highWaterMark);
        if (hwm !== hwm || hwm < 0) {
            throw new RangeError('ReadableStream: invalid highWaterMark');
        }
        var size = strategy.size;
        this._sizeOf = bytes ? function (c) { return c && c.byteLength ? c.byteLength : 0; } :
            typeof size === 'function' ? function (c) { return Number(size(c)) || 0; } :
            function () { return 1; };
        this._state = 'readable';
        this._queue = [];
        this._queueSize = 0;
        this._hwm = hwm;
        this._reader = null;
        this._storedError = undefined;
        this._closeRequested = false;
        this._started = false;
        this._pulling = false;
        this._pullAgain = false;
        this._source = source;
        this._controller = new ReadableStreamDefaultController(this);
        var stream = this;
        var started = typeof source.start === 'function'
            ? source.start.call(source, this._controller) : undefined;
        G.Promise.resolve(started).then(function () {
            stream._started = true;
            stream._callPull();
        }, function (e) {
            stream._error(e);
        });
    }
    Object.defineProperty(ReadableStream.prototype, 'locked', {
        configurable: true,
        get: function () { return this._reader !== null; }
    });
    ReadableStream.prototype.getReader = function (opts) {
        if (opts && opts.mode !== undefined) {
            throw new TypeError('ReadableStream: only default readers are supported');
        }
        return new ReadableStreamDefaultReader(this);
    };
    ReadableStream.prototype.cancel = function (reason) {
        if (this._reader) {
            return G.Promise.reject(new TypeError('ReadableStream is locked to a reader'));
        }
        return this._cancel(reason);
    };
    ReadableStream.prototype._shouldPull = function () {
        if (!this._started || this._state !== 'readable' || this._closeRequested) {
            return false;
        }
        if (this._reader && this._reader._reads.length > 0) { return true; }
        return this._hwm - this._queueSize > 0;
    };
    ReadableStream.prototype._callPull = function () {
        if (!this._shouldPull()) { return; }
        if (this._pulling) {
            this._pullAgain = true;
            return;
        }
        if (typeof this._source.pull !== 'function') { return; }
        this._pulling = true;
        var stream = this, pulled;
        try {
            pulled = G.Promise.resolve(this._source.pull.call(this._source, this._controller));
        } catch (e) {
            pulled = G.Promise.reject(e);
        }
        pulled.then(function () {
            stream._pulling = false;
            if (stream._pullAgain) {
                stream._pullAgain = false;
                stream._callPull();
            }
        }, function (e) {
            stream._error(e);
        });
    };
    ReadableStream.prototype._close = function () {
        if (this._state !== 'readable') { return; }
        this._state = 'closed';
        var reader = this._reader;
        if (reader) {
            var reads = reader._reads;
            reader._reads = [];
            for (var i = 0; i < reads.length; i++) {
                reads[i].resolve({ value: undefined, done: true });
            }
            reader._resolveClosed(undefined);
        }
    };
    ReadableStream.prototype._error = function (e) {
        if (this._state !== 'readable') { return; }
        this._state = 'errored';
        this._storedError = e;
        this._queue = [];
        this._queueSize = 0;
        var reader = this._reader;
        if (reader) {
            var reads = reader._reads;
            reader._reads = [];
            for (var i = 0; i < reads.length; i++) { reads[i].reject(e); }
            reader._rejectClosed(e);
        }
    };
    ReadableStream.prototype._cancel = function (reason) {
        if (this._state === 'closed') { return G.Promise.resolve(undefined); }
        if (this._state === 'errored') { return G.Promise.reject(this._storedError); }
        this._queue = [];
        this._queueSize = 0;
        this._close();
        var source = this._source, out;
        try {
            out = G.Promise.resolve(typeof source.cancel === 'function'
                                    ? source.cancel.call(source, reason) : undefined);
        } catch (e) {
            return G.Promise.reject(e);
        }
        return out.then(function () { return undefined; });
    };
    return {
        ReadableStream: ReadableStream,
        ReadableStreamDefaultReader: ReadableStreamDefaultReader,
        ReadableStreamDefaultController: ReadableStreamDefaultController
    };
}

/* TextEncoder.encodeInto (React's Fizz writes into fixed-size views with it)
 * on top of Duktape's own TextEncoder. */
function encodeInto(source, dest) {
    var s = String(source);
    var bytes = this.encode(s);
    if (bytes.length <= dest.length) {
        dest.set(bytes);
        return { read: s.length, written: bytes.length };
    }
    /* Only the longest prefix of whole characters that fits. */
    var read = 0, written = 0;
    while (read < s.length) {
        var c = s.charCodeAt(read), units = 1, n;
        if (c < 0x80) {
            n = 1;
        } else if (c < 0x800) {
            n = 2;
        } else if (c >= 0xd800 && c <= 0xdbff && read + 1 < s.length &&
                   (s.charCodeAt(read + 1) & 0xfc00) === 0xdc00) {
            n = 4;
            units = 2;
        } else {
            n = 3;
        }
        if (written + n > dest.length) { break; }
        written += n;
        read += units;
    }
    dest.set(bytes.subarray(0, written));
    return { read: read, written: written };
}

/* --- streamed results --------------------------------------------------------
 * render() may give a stream (SPEC 3): a ReadableStream of strings or
 * Uint8Arrays, what React's renderToPipeableStream returns ({ pipe, abort }),
 * or an object holding one as html (or as stream, as the standard streaming
 * templates' entries return { stream }).  The runtime reads it into a queue
 * the engine empties after every step (take), so each chunk goes out as
 * soon as the render produced it. */

var HEAD_MARKER = '<!--app-head-->';

function isStream(v) {
    return isObjectLike(v) && (typeof v.getReader === 'function' ||
                               (typeof v.pipe === 'function' && typeof v.abort === 'function'));
}

/* The stream a render value holds, or null. */
function streamOf(v) {
    if (!isObjectLike(v)) { return null; }
    if (isStream(v)) { return v; }
    if (typeof v.html === 'string') { return null; }
    if (isStream(v.html)) { return v.html; }
    if ((v.html === undefined || v.html === null) && isStream(v.stream)) { return v.stream; }
    return null;
}

function finishRender(r, ok, value) {
    if (r.done) { return; }
    r.done = true;
    r.ok = ok;
    r.value = value;
}

function pushChunk(r, chunk) {
    if (r.done || chunk === undefined || chunk === null) { return; }
    if (typeof chunk === 'string' && chunk.length === 0) { return; }
    r.out.push(chunk);
}

/* The Node Writable surface react-dom/server's pipe() uses: write (with
 * backpressure never asserted: the engine empties the queue every step),
 * end, destroy, and the events it listens to ('drain', 'error', 'close'). */
function SinkWritable(r) {
    this._r = r;
    this._events = {};
    this.writable = true;
    this.writableEnded = false;
    this.writableFinished = false;
    this.writableNeedDrain = false;
    this.writableObjectMode = false;
    this.writableHighWaterMark = 16384;
    this.writableLength = 0;
    this.destroyed = false;
}
SinkWritable.prototype.on = function (name, fn) {
    (this._events[name] || (this._events[name] = [])).push(fn);
    return this;
};
SinkWritable.prototype.addListener = SinkWritable.prototype.on;
SinkWritable.prototype.prependListener = function (name, fn) {
    (this._events[name] || (this._events[name] = [])).unshift(fn);
    return this;
};
SinkWritable.prototype.once = function (name, fn) {
    var self = this;
    function once() {
        self.removeListener(name, once);
        return fn.apply(self, arguments);
    }
    once.listener = fn;
    return this.on(name, once);
};
SinkWritable.prototype.removeListener = function (name, fn) {
    var list = this._events[name];
    for (var i = 0; list && i < list.length; i++) {
        if (list[i] === fn || list[i].listener === fn) {
            list.splice(i, 1);
            break;
        }
    }
    return this;
};
SinkWritable.prototype.off = SinkWritable.prototype.removeListener;
SinkWritable.prototype.removeAllListeners = function (name) {
    if (name === undefined) { this._events = {}; } else { delete this._events[name]; }
    return this;
};
SinkWritable.prototype.listeners = function (name) {
    return (this._events[name] || []).slice();
};
SinkWritable.prototype.listenerCount = function (name) {
    return (this._events[name] || []).length;
};
SinkWritable.prototype.setMaxListeners = function () { return this; };
SinkWritable.prototype.emit = function (name) {
    var list = (this._events[name] || []).slice(), args = slice(arguments, 1);
    for (var i = 0; i < list.length; i++) { list[i].apply(this, args); }
    return list.length > 0;
};
SinkWritable.prototype.cork = function () {};
SinkWritable.prototype.uncork = function () {};
SinkWritable.prototype.setDefaultEncoding = function () { return this; };
SinkWritable.prototype.write = function (chunk, encoding, cb) {
    if (typeof encoding === 'function') { cb = encoding; }
    if (this.writableEnded || this.destroyed) {
        var e = new Error('write after end');
        e.code = 'ERR_STREAM_WRITE_AFTER_END';
        if (typeof cb === 'function') { process.nextTick(cb, e); }
        return false;
    }
    pushChunk(this._r, chunk);
    if (typeof cb === 'function') { process.nextTick(cb, null); }
    return true;
};
SinkWritable.prototype.end = function (chunk, encoding, cb) {
    var self = this;
    if (typeof chunk === 'function') { cb = chunk; chunk = null; }
    else if (typeof encoding === 'function') { cb = encoding; }
    if (this.writableEnded) { return this; }
    if (chunk !== null && chunk !== undefined) { this.write(chunk); }
    this.writableEnded = true;
    this.writable = false;
    finishRender(this._r, true, this._r.meta);
    process.nextTick(function () {
        self.writableFinished = true;
        self.emit('finish');
        if (typeof cb === 'function') { cb(); }
        self.emit('close');
    });
    return this;
};
SinkWritable.prototype.destroy = function (err) {
    var self = this;
    if (this.destroyed) { return this; }
    this.destroyed = true;
    this.writable = false;
    if (!this.writableEnded) {
        finishRender(this._r, false, err !== undefined && err !== null ? err :
                     new Error('the render stream was destroyed before it ended'));
    }
    process.nextTick(function () {
        if (err !== undefined && err !== null) { self.emit('error', err); }
        self.emit('close');
    });
    return this;
};

/* Reads the stream src (held by the render's value) into r.out. */
function followStream(r, value, src) {
    r.meta = value;
    r.out = [];
    r.outHead = 0;
    if (typeof src.getReader === 'function') {
        var reader;
        try {
            reader = src.getReader();
        } catch (e) {
            finishRender(r, false, e);
            return;
        }
        r.cancelStream = function (reason) {
            reader.cancel(reason)['catch'](function () {});
        };
        var pump = function () {
            reader.read().then(function (res) {
                if (r.done) { return; }
                if (res.done) {
                    finishRender(r, true, value);
                    return;
                }
                pushChunk(r, res.value);
                pump();
            }, function (e) {
                finishRender(r, false, e);
            });
        };
        pump();
        return;
    }
    r.cancelStream = function (reason) {
        src.abort(reason);
    };
    try {
        src.pipe(new SinkWritable(r));
    } catch (e) {
        finishRender(r, false, e);
    }
}

/* A settled render value: a stream is followed, anything else ends it. */
function settleValue(r, v) {
    var src = streamOf(v);
    if (src) {
        followStream(r, v, src);
    } else {
        finishRender(r, true, v);
    }
}

/* --- fetch, Headers, Request, Response ------------------------------------- */

/* The subset of WHATWG fetch that SSR code uses (docs/fetch.md): text
 * bodies, headers, status, signal, redirect.  The transfer is the host's
 * (host.ioStart): its policy decides which URLs are reached, and the
 * engine hands the result back through ioDone() from the render loop. */

var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(name) {
    name = String(name);
    if (!TOKEN.test(name)) {
        throw new TypeError("Headers: '" + name + "' is not a valid header name");
    }
    return name.toLowerCase();
}

function headerValue(value) {
    value = String(value).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (/[\r\n\0]/.test(value)) {
        throw new TypeError('Headers: invalid header value');
    }
    return value;
}

function Headers(init) {
    if (!(this instanceof Headers)) {
        throw new TypeError("Constructor Headers requires 'new'");
    }
    this._list = [];    /* [lower-case name, value] in insertion order */
    var self = this;
    if (init === undefined || init === null) { return; }
    if (init instanceof Headers) {
        init._list.forEach(function (e) { self._list.push([e[0], e[1]]); });
    } else if (Array.isArray(init)) {
        init.forEach(function (pair) {
            if (!pair || pair.length !== 2) {
                throw new TypeError('Headers: each header must be a [name, value] pair');
            }
            self.append(pair[0], pair[1]);
        });
    } else if (typeof init === 'object') {
        if (typeof init.forEach === 'function' && typeof init.get === 'function') {
            init.forEach(function (v, k) { self.append(k, v); });
        } else {
            Object.keys(init).forEach(function (k) { self.append(k, init[k]); });
        }
    } else {
        throw new TypeError('Headers: init must be an object or an array of pairs');
    }
}
Headers.prototype.append = function (name, value) {
    this._list.push([headerName(name), headerValue(value)]);
};
Headers.prototype['delete'] = function (name) {
    name = headerName(name);
    this._list = this._list.filter(function (e) { return e[0] !== name; });
};
Headers.prototype.set = function (name, value) {
    name = headerName(name);
    value = headerValue(value);
    var done = false;
    this._list = this._list.filter(function (e) {
        if (e[0] !== name) { return true; }
        if (done) { return false; }
        e[1] = value;
        done = true;
        return true;
    });
    if (!done) { this._list.push([name, value]); }
};
Headers.prototype.get = function (name) {
    name = headerName(name);
    var out = null;
    this._list.forEach(function (e) {
        if (e[0] === name) { out = out === null ? e[1] : out + ', ' + e[1]; }
    });
    return out;
};
Headers.prototype.getSetCookie = function () {
    return this._list.filter(function (e) { return e[0] === 'set-cookie'; })
        .map(function (e) { return e[1]; });
};
Headers.prototype.has = function (name) {
    name = headerName(name);
    return this._list.some(function (e) { return e[0] === name; });
};
/* Sorted by name, values of one name combined (set-cookie kept apart),
 * as the WHATWG iteration order is. */
Headers.prototype._sorted = function () {
    var names = [], seen = {}, out = [], self = this;
    this._list.forEach(function (e) {
        if (!seen.hasOwnProperty(e[0])) { seen[e[0]] = true; names.push(e[0]); }
    });
    names.sort();
    names.forEach(function (n) {
        if (n === 'set-cookie') {
            self.getSetCookie().forEach(function (v) { out.push([n, v]); });
        } else {
            out.push([n, self.get(n)]);
        }
    });
    return out;
};
Headers.prototype.forEach = function (fn, thisArg) {
    var self = this;
    this._sorted().forEach(function (e) { fn.call(thisArg, e[1], e[0], self); });
};

function arrayIterator(items) {
    var i = 0;
    var it = {
        next: function () {
            return i < items.length ? { value: items[i++], done: false }
                                    : { value: undefined, done: true };
        }
    };
    if (typeof Symbol === 'function' && Symbol.iterator) {
        it[Symbol.iterator] = function () { return it; };
    }
    return it;
}
Headers.prototype.entries = function () { return arrayIterator(this._sorted()); };
Headers.prototype.keys = function () {
    return arrayIterator(this._sorted().map(function (e) { return e[0]; }));
};
Headers.prototype.values = function () {
    return arrayIterator(this._sorted().map(function (e) { return e[1]; }));
};
if (typeof Symbol === 'function' && Symbol.iterator) {
    Headers.prototype[Symbol.iterator] = Headers.prototype.entries;
}

/* A request or response body: text only (docs/fetch.md). */
function bodyText(body, headers) {
    if (body === undefined || body === null) { return null; }
    if (typeof body === 'string') {
        if (!headers.has('content-type')) {
            headers.set('content-type', 'text/plain;charset=UTF-8');
        }
        return body;
    }
    if (typeof G.URLSearchParams === 'function' && body instanceof G.URLSearchParams) {
        if (!headers.has('content-type')) {
            headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
        }
        return String(body);
    }
    throw new TypeError('fetch: only string (or URLSearchParams) bodies are supported here');
}

function bodyMixin(proto) {
    proto._take = function () {
        if (this.bodyUsed) {
            return G.Promise.reject(new TypeError('Body is unusable: Body has already been read'));
        }
        this.bodyUsed = true;
        return G.Promise.resolve(this._body === null ? '' : this._body);
    };
    proto.text = function () { return this._take(); };
    proto.json = function () {
        return this._take().then(function (t) { return JSON.parse(t); });
    };
}

var REDIRECT_MODES = { follow: 1, manual: 1, error: 1 };

function Request(input, init) {
    if (!(this instanceof Request)) {
        throw new TypeError("Constructor Request requires 'new'");
    }
    init = init || {};
    var from = input instanceof Request ? input : null;
    this.url = from ? from.url : String(input && typeof input === 'object' && input.href ? input.href : input);
    this.method = String(init.method !== undefined ? init.method : from ? from.method : 'GET').toUpperCase();
    if (!TOKEN.test(this.method)) {
        throw new TypeError("Request: '" + this.method + "' is not a valid HTTP method");
    }
    this.headers = new Headers(init.headers !== undefined ? init.headers : from ? from.headers : undefined);
    this.redirect = String(init.redirect !== undefined ? init.redirect : from ? from.redirect : 'follow');
    if (!REDIRECT_MODES.hasOwnProperty(this.redirect)) {
        throw new TypeError("Request: redirect must be 'follow', 'manual' or 'error'");
    }
    this.signal = init.signal !== undefined ? init.signal : from ? from.signal : null;
    var body = init.body !== undefined ? init.body : from ? from._body : null;
    if (body !== null && body !== undefined && (this.method === 'GET' || this.method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
    }
    this._body = bodyText(body, this.headers);
    this.bodyUsed = false;
    this.credentials = 'same-origin';
    this.mode = 'cors';
    this.cache = init.cache || 'default';
}
bodyMixin(Request.prototype);
Request.prototype.clone = function () {
    if (this.bodyUsed) { throw new TypeError('Request.clone: Body has already been consumed.'); }
    return new Request(this);
};

function Response(body, init) {
    if (!(this instanceof Response)) {
        throw new TypeError("Constructor Response requires 'new'");
    }
    init = init || {};
    var status = init.status === undefined ? 200 : Number(init.status);
    if (!init._internal && !(status >= 200 && status <= 599 && status === Math.floor(status))) {
        throw new RangeError('Response: status must be in the range 200 to 599');
    }
    this.status = status;
    this.statusText = init.statusText === undefined ? '' : String(init.statusText);
    this.ok = status >= 200 && status <= 299;
    this.headers = new Headers(init.headers);
    this._body = bodyText(body, this.headers);
    this.bodyUsed = false;
    this.body = null;   /* no ReadableStream: use text() or json() */
    this.url = init._url || '';
    this.redirected = !!init._redirected;
    this.type = init._internal ? 'basic' : 'default';
}
bodyMixin(Response.prototype);
Response.prototype.clone = function () {
    if (this.bodyUsed) { throw new TypeError('Response.clone: Body has already been consumed.'); }
    var r = new Response(null, { status: this.status, statusText: this.statusText,
                                 headers: this.headers, _internal: true,
                                 _url: this.url, _redirected: this.redirected });
    r._body = this._body;
    r.type = this.type;
    return r;
};
Response.json = function (data, init) {
    var headers = new Headers(init && init.headers);
    if (!headers.has('content-type')) { headers.set('content-type', 'application/json'); }
    var i = {};
    for (var k in init || {}) { if (init.hasOwnProperty(k)) { i[k] = init[k]; } }
    i.headers = headers;
    return new Response(JSON.stringify(data), i);
};
Response.error = function () {
    var r = new Response(null, { status: 0, _internal: true });
    r.type = 'error';
    return r;
};
Response.redirect = function (url, status) {
    status = status === undefined ? 302 : status;
    if ([301, 302, 303, 307, 308].indexOf(status) < 0) {
        throw new RangeError('Response.redirect: invalid status');
    }
    return new Response(null, { status: status, headers: { location: String(url) }, _internal: true });
};

var fetches = {};     /* id -> { resolve, reject, unlink } */
var fetchCount = 0;

/* Node's shape for a failed transfer: TypeError('fetch failed') whose
 * cause says why. */
function fetchFailed(why) {
    var e = new TypeError('fetch failed');
    var cause = new Error(String(why));
    e.cause = cause;
    return e;
}

function fetch(input, init) {
    return new G.Promise(function (resolve, reject) {
        var req = new Request(input, init);
        var signals = [];
        if (req.signal) { signals.push(req.signal); }
        if (current && current.ctrl) { signals.push(current.ctrl.signal); }
        for (var i = 0; i < signals.length; i++) {
            if (signals[i].aborted) {
                reject(signals[i].reason);
                return;
            }
        }
        var flat = [];
        req.headers._list.forEach(function (e) { flat.push(e[0], e[1]); });
        var id = host.ioStart({
            url: req.url, method: req.method, headers: flat,
            body: req._body === null ? undefined : req._body,
            redirect: req.redirect
        });
        function onAbort() {
            var entry = fetches[id];
            if (!entry) { return; }
            entry.unlink();
            host.ioCancel(id);
            reject(this.reason);
        }
        fetches[id] = {
            resolve: resolve, reject: reject,
            unlink: function () {
                delete fetches[id];
                fetchCount--;
                signals.forEach(function (s) { s.removeEventListener('abort', onAbort); });
            }
        };
        fetchCount++;
        signals.forEach(function (s) { s.addEventListener('abort', onAbort); });
    });
}

/* A finished transfer from the engine: r is { error } or the response's
 * { status, statusText, url, redirected, headers: [name, value, ...], body }. */
function ioDone(id, r) {
    var entry = fetches[id];
    if (!entry) { return; }
    entry.unlink();
    if (r.error !== undefined) {
        entry.reject(fetchFailed(r.error));
        return;
    }
    var pairs = [];
    for (var i = 0; i + 1 < r.headers.length; i += 2) {
        pairs.push([r.headers[i], r.headers[i + 1]]);
    }
    var res;
    try {
        res = new Response(null, { status: r.status, statusText: r.statusText,
                                   headers: pairs, _internal: true,
                                   _url: r.url, _redirected: r.redirected });
    } catch (e) {
        entry.reject(fetchFailed('bad response: ' + e.message));
        return;
    }
    res._body = r.body;
    entry.resolve(res);
}

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
/* A bundle that brings its own fetch (or polyfills only where none exists)
 * keeps working: these are plain writable globals it can replace. */
define('fetch', fetch);
define('Headers', Headers);
define('Request', Request);
define('Response', Response);
if (typeof G.ReadableStream !== 'function') {
    (function (rs) {
        define('ReadableStream', rs.ReadableStream);
        define('ReadableStreamDefaultReader', rs.ReadableStreamDefaultReader);
        define('ReadableStreamDefaultController', rs.ReadableStreamDefaultController);
    })(makeReadableStream());
}
if (typeof G.TextEncoder === 'function' && typeof G.TextEncoder.prototype.encodeInto !== 'function') {
    Object.defineProperty(G.TextEncoder.prototype, 'encodeInto', {
        value: encodeInto, writable: true, configurable: true, enumerable: false
    });
}

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
                settleValue(r, v);
            }, function (e) {
                r.done = true; r.ok = false; r.value = e;
            });
            return;
        }
    }
    settleValue(r, value);
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

/* A stream result: its fields but html (which goes out as chunks).  The
 * standard streaming servers split the template at the html outlet only,
 * so without a head the head placeholder stays in the page as it is. */
function describeStream(v) {
    var d = isStream(v) ? { kind: 'object', headers: [] } : describeResult(v);
    d.html = undefined;
    if (isStream(v) || v.head === undefined || v.head === null) {
        d.head = HEAD_MARKER;
    }
    d.stream = true;
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
     * the render has settled, -3 on an uncaught error, -4 when a stream
     * result has chunks for take(), otherwise the ms
     * until the next timer (-1: none, so nothing can ever settle it). */
    step: function () {
        drainJobs();
        runDueTimers();
        drainJobs();
        if (hasUncaught) { return -3; }
        if (current.out && current.outHead < current.out.length) { return -4; }
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
            var reason = domError(name, message);
            current.ctrl.abort(reason);
            if (current.cancelStream && !current.done) {
                try {
                    current.cancelStream(reason);
                } catch (e) {
                    /* the render is being given up anyway */
                }
            }
        }
    },
    /* The next chunk of a stream result (a string or a Uint8Array), or
     * undefined when none is queued. */
    take: function () {
        var r = current;
        if (!r || !r.out) { return undefined; }
        if (r.outHead >= r.out.length) {
            r.out.length = 0;
            r.outHead = 0;
            return undefined;
        }
        var chunk = r.out[r.outHead];
        r.out[r.outHead] = undefined;
        r.outHead++;
        return chunk;
    },
    /* The settled render as plain fields the engine can read. */
    describe: function () {
        if (hasUncaught) { return describeError(uncaught); }
        if (current.out) {
            return current.done && !current.ok ? describeError(current.value)
                                                : describeStream(current.meta);
        }
        return current.ok ? describeResult(current.value) : describeError(current.value);
    },
    /* Timers and jobs still queued once the render settled. */
    pending: function () {
        return timerCount + (jobs.length - jobHead) + fetchCount;
    },
    /* A finished fetch transfer (see fetch()). */
    ioDone: ioDone,
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
