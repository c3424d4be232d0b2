//! A file picker that is a real button. A `<label>` styled as a button around a hidden
//! `<input type=file>` cannot be reached with the keyboard (a label is not in the tab order
//! and a `display: none` input is not focusable); this is a focusable `<button>` that opens the
//! picker of a visually hidden input beside it, which keeps its id and, as its accessible name,
//! the button's text.
use leptos::prelude::*;

/// A button opening the browser's file picker; `on_pick` gets the input's `change` event.
#[component]
pub fn FilePicker(
    /// The button's text, and the hidden input's accessible name.
    label: &'static str,
    /// The input's id, where a test or a drop target needs one.
    #[prop(optional)]
    id: Option<&'static str>,
    /// The button's id.
    #[prop(optional)]
    button_id: Option<&'static str>,
    /// The file types offered (`accept`).
    #[prop(optional)]
    accept: Option<&'static str>,
    /// Several files at once.
    #[prop(optional)]
    multiple: bool,
    /// A whole folder (`webkitdirectory`).
    #[prop(optional)]
    folder: bool,
    /// The button's tooltip.
    #[prop(optional)]
    title: Option<&'static str>,
    /// Called with the input's `change` event.
    on_pick: Callback<leptos::ev::Event>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(i) = input.get().filter(|_| folder) {
            let _ = i.set_attribute("webkitdirectory", "");
        }
    });
    view! {
        <button type="button" id=button_id title=title on:click=move |_| {
            if let Some(i) = input.get() {
                i.click();
            }
        }>{label}</button>
        <input type="file" id=id class="hidden-file" tabindex="-1" aria-label=label accept=accept
            multiple=multiple node_ref=input on:change=move |ev| on_pick.run(ev) />
    }
}
