//! The installable-app side: registers the service worker and reports when an update waits.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/pwa.js")]
extern "C" {
    #[wasm_bindgen(js_name = registerServiceWorker)]
    fn register_service_worker(on_update_ready: &Closure<dyn FnMut()>);
    #[wasm_bindgen(js_name = applyUpdate)]
    fn apply_update_js();
}

/// Registers `/sw.js`; `update_ready` turns true when a new version is installed and waiting.
pub fn register(update_ready: WriteSignal<bool>) {
    let on_ready = Closure::<dyn FnMut()>::new(move || update_ready.set(true));
    register_service_worker(&on_ready);
    // The callback lives as long as the page: the service worker may report at any time.
    on_ready.forget();
}

/// Activates the waiting version; the page reloads when it takes control.
pub fn apply_update() {
    apply_update_js();
}
