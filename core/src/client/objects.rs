//! Blocks, tools, folders (with their files) and archives: the fleet-level objects.

use super::{enc, ApiError, Body, LettaClient, Method, Transport};
use crate::fleet::{BlockSpec, FolderFile};
use serde_json::{json, Map, Value};

impl<T: Transport> LettaClient<T> {
    /// Blocks with this label.
    pub async fn blocks_labelled(&self, label: &str) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!("/blocks/?label={}", enc(label)))
            .await
    }

    /// Creates a block.
    pub async fn create_block(
        &self,
        spec: &BlockSpec,
        metadata: Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let body = json!({"label": spec.label, "value": spec.value, "limit": spec.limit, "description": spec.description, "metadata": metadata});
        self.json(Method::Post, "/blocks/", Body::Json(body)).await
    }

    /// Updates a block's value, limit and description.
    pub async fn update_block(&self, id: &str, spec: &BlockSpec) -> Result<Value, ApiError> {
        let body =
            json!({"value": spec.value, "limit": spec.limit, "description": spec.description});
        self.json(
            Method::Patch,
            &format!("/blocks/{}", enc(id)),
            Body::Json(body),
        )
        .await
    }

    /// Deletes a block.
    pub async fn delete_block(&self, id: &str) -> Result<(), ApiError> {
        self.call(Method::Delete, &format!("/blocks/{}", enc(id)), Body::Empty)
            .await
            .map(|_| ())
    }

    /// Every tool.
    pub async fn list_tools(&self) -> Result<Vec<Value>, ApiError> {
        self.list_all("/tools/").await
    }

    /// Creates a tool from Python source.
    pub async fn create_tool(&self, source: &str) -> Result<Value, ApiError> {
        self.json(
            Method::Post,
            "/tools/",
            Body::Json(json!({"source_code": source})),
        )
        .await
    }

    /// Updates a tool's source in place.
    pub async fn update_tool(&self, id: &str, source: &str) -> Result<Value, ApiError> {
        self.json(
            Method::Patch,
            &format!("/tools/{}", enc(id)),
            Body::Json(json!({"source_code": source})),
        )
        .await
    }

    /// Every folder.
    pub async fn list_folders(&self) -> Result<Vec<Value>, ApiError> {
        self.list_all("/folders/").await
    }

    /// Files of a folder.
    pub async fn folder_files(&self, id: &str) -> Result<Vec<Value>, ApiError> {
        self.list_all(&format!("/folders/{}/files", enc(id))).await
    }

    /// Creates a folder.
    pub async fn create_folder(
        &self,
        name: &str,
        embedding: Option<&str>,
        metadata: Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let mut body = json!({"name": name, "metadata": metadata});
        if let Some(e) = embedding {
            body["embedding"] = json!(e);
        }
        self.json(Method::Post, "/folders/", Body::Json(body)).await
    }

    /// Replaces a folder's metadata.
    pub async fn set_folder_metadata(
        &self,
        id: &str,
        metadata: Map<String, Value>,
    ) -> Result<Value, ApiError> {
        self.json(
            Method::Patch,
            &format!("/folders/{}", enc(id)),
            Body::Json(json!({"metadata": metadata})),
        )
        .await
    }

    /// Uploads one file into a folder.
    pub async fn upload_file(&self, folder: &str, file: &FolderFile) -> Result<Value, ApiError> {
        let name = file.file_name().to_string();
        let content_type = if name.ends_with(".md") {
            "text/markdown"
        } else if name.ends_with(".json") {
            "application/json"
        } else if name.ends_with(".pdf") {
            "application/pdf"
        } else if std::str::from_utf8(&file.content).is_ok() {
            "text/plain"
        } else {
            "application/octet-stream"
        };
        let body = Body::File {
            name,
            content_type: content_type.into(),
            content: file.content.clone(),
        };
        self.json(
            Method::Post,
            &format!("/folders/{}/upload", enc(folder)),
            body,
        )
        .await
    }

    /// Deletes one file from a folder.
    pub async fn delete_file(&self, folder: &str, file: &str) -> Result<(), ApiError> {
        self.call(
            Method::Delete,
            &format!("/folders/{}/{}", enc(folder), enc(file)),
            Body::Empty,
        )
        .await
        .map(|_| ())
    }

    /// Deletes a folder.
    pub async fn delete_folder(&self, id: &str) -> Result<(), ApiError> {
        self.call(
            Method::Delete,
            &format!("/folders/{}", enc(id)),
            Body::Empty,
        )
        .await
        .map(|_| ())
    }

    /// Every archive.
    pub async fn list_archives(&self) -> Result<Vec<Value>, ApiError> {
        self.list_all("/archives/").await
    }

    /// Ids of the agents an archive is attached to.
    pub async fn archive_agents(&self, id: &str) -> Result<Vec<String>, ApiError> {
        let v = self.get(&format!("/archives/{}/agents", enc(id))).await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Creates an archive.
    pub async fn create_archive(
        &self,
        name: &str,
        description: Option<&str>,
        embedding: Option<&str>,
    ) -> Result<Value, ApiError> {
        let mut body = json!({"name": name});
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        if let Some(e) = embedding {
            body["embedding"] = json!(e);
        }
        self.json(Method::Post, "/archives/", Body::Json(body))
            .await
    }
}
