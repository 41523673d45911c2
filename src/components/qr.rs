//! A QR code drawn as one SVG path: crisp at any size, printable, and no image to download.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// The code's width in modules and the SVG path of its dark modules (one `h1v1h-1z` square
/// each), or `None` if `text` is too long for any QR code.
pub fn qr_path(text: &str) -> Option<(i32, String)> {
    // Medium error correction: a phone's camera reads it off a scratched or glaring screen.
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{x},{y}h1v1h-1z"));
            }
        }
    }
    Some((size, path))
}

/// `text` as a QR code, with the four-module quiet zone readers need, labelled for screen
/// readers. Nothing when the text cannot be encoded.
#[component]
pub fn Qr(text: String, label: String) -> impl IntoView {
    qr_path(&text).map(|(size, path)| {
        let view_box = format!("-4 -4 {} {}", size + 8, size + 8);
        view! {
            <svg class="qr" viewBox=view_box role="img" aria-label=label data-url=text
                shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
                <rect x="-4" y="-4" width=(size + 8).to_string() height=(size + 8).to_string() fill="#fff"/>
                <path d=path fill="#000"/>
            </svg>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_link_fits_a_small_code_and_every_dark_module_is_drawn() {
        let link = "https://linli.example/confirm#t=t-0168%402026-12-08&v=v-0308&n=%E5%91%A8&d=2026-12-08&m=90";
        let (size, path) = qr_path(link).expect("encodes");
        // Version 7 or smaller (45 modules): a phone camera reads it at arm's length.
        assert!((21..=45).contains(&size), "{size}");
        let qr = QrCode::encode_text(link, QrCodeEcc::Medium).expect("encodes");
        let dark = (0..size)
            .flat_map(|y| (0..size).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.get_module(x, y))
            .count();
        assert_eq!(path.matches('M').count(), dark);
        assert!(qr_path(&"x".repeat(5000)).is_none());
    }
}
