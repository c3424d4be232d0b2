//! Folder documents travel as bytes: a binary PDF goes through `load_fleet` and the client's
//! upload to the real Letta server unchanged. Sent as text, its non-UTF-8 bytes would have
//! been replaced and the server would report another size.

use canary_core::fleet::{load_fleet, FileSet};
use canary_tests::{client, unique, NativeTransport, EMBEDDING};

/// A one-page PDF whose header comment holds bytes that are not UTF-8 (as real PDFs do).
fn pdf() -> Vec<u8> {
    let mut b = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    b.extend_from_slice(
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
    );
    b
}

#[tokio::test]
async fn a_binary_document_reaches_the_server_byte_for_byte() {
    let c = client(NativeTransport::default());
    let name = unique("bin");
    let yaml = format!(
        "agents:\n  - name: {name}\n    description: d\n    system_prompt: {{value: p}}\n    llm_config: {{model: a/b, context_window: 2000}}\n    folders:\n      - name: {name}-docs\n        files: [docs/manual.pdf]\n"
    );
    let bytes = pdf();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the document must be binary"
    );
    let mut files = FileSet::new();
    files.insert("docs/manual.pdf".into(), bytes.clone());
    let report = load_fleet(&yaml, &files);
    let fleet = report.fleet.expect("the fleet loads");
    let doc = &fleet.agents[0].folders[0].files[0];
    assert_eq!(doc.content, bytes);

    let folder = c
        .create_folder(&format!("{name}-docs"), Some(EMBEDDING), Default::default())
        .await
        .expect("create folder");
    let id = folder["id"].as_str().expect("folder id").to_string();
    let uploaded = c.upload_file(&id, doc).await;
    let listed = c.folder_files(&id).await;
    let _ = c.delete_folder(&id).await;
    let uploaded = uploaded.expect("upload");
    assert_eq!(uploaded["file_size"].as_u64(), Some(bytes.len() as u64));
    let listed = listed.expect("list files");
    let on_server = listed
        .iter()
        .find(|f| f["original_file_name"] == "manual.pdf")
        .expect("the document is in the folder");
    assert_eq!(on_server["file_size"].as_u64(), Some(bytes.len() as u64));
}
