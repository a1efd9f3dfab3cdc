//! The page's Content-Security-Policy: its own scripts, styles and API calls only, images from
//! itself, from object URLs (the local preview) and from where photos are published.

/// The policy for `/` and `/assets/…`; `public_url` is the base of photo URLs, whose origin
/// may differ from the page's (a CDN or another host name in front of portrait).
pub fn page_csp(public_url: &str) -> String {
    let photos = url::Url::parse(public_url)
        .ok()
        .map(|url| url.origin())
        .filter(url::Origin::is_tuple)
        .map(|origin| format!(" {}", origin.ascii_serialization()))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
         img-src 'self' blob:{photos}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::page_csp;

    #[test]
    fn names_the_photo_origin_without_its_path() {
        let csp = page_csp("https://cdn.example.test:8443/portrait/");
        assert!(
            csp.contains("img-src 'self' blob: https://cdn.example.test:8443;"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
    }

    #[test]
    fn an_unparsable_base_adds_nothing() {
        assert!(page_csp("not a url").contains("img-src 'self' blob:;"));
    }
}
