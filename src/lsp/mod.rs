//! `pledge lsp`: a language server over stdio for editors. It checks each
//! open rule file as it is typed (against the file's `meta dataset`, the
//! bundled NATO data by default) and answers hover, go-to-definition,
//! completion, formatting and quick-fix requests. Synchronous: one request
//! at a time, no async runtime.

mod analysis;
mod features;
#[cfg(test)]
mod tests;
mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ExtractError, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, Formatting, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CompletionOptions, OneOf, PublishDiagnosticsParams, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, Url,
};

use analysis::{Analysis, DataCache};

/// Runs the server until the editor says `exit`. Returns a message for the
/// terminal when the connection fails.
pub fn run() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads
        .join()
        .map_err(|e| format!("the connection to the editor failed: {e}"))
}

/// Answers one editor on `connection` (stdio, or in memory for tests) from
/// `initialize` to `shutdown`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["[".into(), " ".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let capabilities = serde_json::to_value(capabilities).map_err(|e| e.to_string())?;
    connection
        .initialize(capabilities)
        .map_err(|e| format!("the editor did not start the session: {e}"))?;
    let mut server = Server {
        connection,
        documents: BTreeMap::new(),
        analyses: BTreeMap::new(),
        data: DataCache::default(),
    };
    server.serve()
}

struct Server<'a> {
    connection: &'a Connection,
    /// Open documents: their text as the editor has it.
    documents: BTreeMap<Url, String>,
    analyses: BTreeMap<Url, Analysis>,
    data: DataCache,
}

impl Server<'_> {
    fn serve(&mut self) -> Result<(), String> {
        for message in &self.connection.receiver {
            match message {
                Message::Request(request) => {
                    let shutdown = self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?;
                    if shutdown {
                        return Ok(());
                    }
                    let response = self.answer(request);
                    self.send(Message::Response(response))?;
                }
                Message::Notification(notification) => self.notified(notification)?,
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn send(&self, message: Message) -> Result<(), String> {
        self.connection
            .sender
            .send(message)
            .map_err(|e| format!("cannot reach the editor: {e}"))
    }

    fn notified(&mut self, notification: Notification) -> Result<(), String> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let params: lsp_types::DidOpenTextDocumentParams = params(notification)?;
                self.documents
                    .insert(params.text_document.uri, params.text_document.text);
            }
            DidChangeTextDocument::METHOD => {
                let params: lsp_types::DidChangeTextDocumentParams = params(notification)?;
                if let Some(change) = params.content_changes.into_iter().last() {
                    self.documents.insert(params.text_document.uri, change.text);
                }
            }
            DidCloseTextDocument::METHOD => {
                let params: lsp_types::DidCloseTextDocumentParams = params(notification)?;
                self.documents.remove(&params.text_document.uri);
                self.analyses.remove(&params.text_document.uri);
                return self.publish(params.text_document.uri, Vec::new());
            }
            DidSaveTextDocument::METHOD => {}
            _ => return Ok(()),
        }
        // A change to one file can change the files that extend it.
        self.reanalyse()
    }

    fn reanalyse(&mut self) -> Result<(), String> {
        let open: BTreeMap<PathBuf, String> = self
            .documents
            .iter()
            .filter_map(|(uri, text)| Some((path_of(uri)?, text.clone())))
            .collect();
        let read = |path: &Path| open.get(path).cloned();
        let mut published = Vec::new();
        for (uri, text) in &self.documents {
            let Some(path) = path_of(uri) else {
                continue;
            };
            let analysis = Analysis::new(&path, text, &read, &mut self.data);
            published.push((uri.clone(), features::diagnostics(&analysis)));
            self.analyses.insert(uri.clone(), analysis);
        }
        for (uri, diagnostics) in published {
            self.publish(uri, diagnostics)?;
        }
        Ok(())
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>) -> Result<(), String> {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )))
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            HoverRequest::METHOD => self.with::<HoverRequest, _>(request, |a, p| {
                features::hover(a, p.text_document_position_params.position)
            }),
            GotoDefinition::METHOD => self.with::<GotoDefinition, _>(request, |a, p| {
                features::definition(a, p.text_document_position_params.position)
                    .map(lsp_types::GotoDefinitionResponse::Scalar)
            }),
            Completion::METHOD => self.with::<Completion, _>(request, |a, p| {
                Some(lsp_types::CompletionResponse::Array(features::completion(
                    a,
                    p.text_document_position.position,
                )))
            }),
            Formatting::METHOD => {
                self.with::<Formatting, _>(request, |a, _| features::formatting(a))
            }
            CodeActionRequest::METHOD => {
                match request.extract::<lsp_types::CodeActionParams>(CodeActionRequest::METHOD) {
                    Ok((_, p)) => Ok(serde_json::to_value(features::code_actions(
                        &p.text_document.uri,
                        &p.context.diagnostics,
                    ))
                    .unwrap_or_default()),
                    Err(e) => Err(extract_error(e)),
                }
            }
            _ => Err((
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("pledge lsp does not answer `{}`", request.method),
            )),
        };
        response(id, result)
    }

    /// Parses the request, finds the analysis of its document, answers.
    fn with<R, T>(
        &self,
        request: Request,
        answer: impl Fn(&Analysis, &R::Params) -> Option<T>,
    ) -> Result<serde_json::Value, (i32, String)>
    where
        R: lsp_types::request::Request,
        R::Params: serde::de::DeserializeOwned + HasDocument,
        T: serde::Serialize,
    {
        let (_, params) = request
            .extract::<R::Params>(R::METHOD)
            .map_err(extract_error)?;
        let value = self
            .analyses
            .get(params.document())
            .and_then(|analysis| answer(analysis, &params));
        Ok(serde_json::to_value(value).unwrap_or_default())
    }
}

/// The document a request is about.
trait HasDocument {
    fn document(&self) -> &Url;
}

impl HasDocument for lsp_types::HoverParams {
    fn document(&self) -> &Url {
        &self.text_document_position_params.text_document.uri
    }
}

impl HasDocument for lsp_types::GotoDefinitionParams {
    fn document(&self) -> &Url {
        &self.text_document_position_params.text_document.uri
    }
}

impl HasDocument for lsp_types::CompletionParams {
    fn document(&self) -> &Url {
        &self.text_document_position.text_document.uri
    }
}

impl HasDocument for lsp_types::DocumentFormattingParams {
    fn document(&self) -> &Url {
        &self.text_document.uri
    }
}

fn params<P: serde::de::DeserializeOwned>(notification: Notification) -> Result<P, String> {
    serde_json::from_value(notification.params)
        .map_err(|e| format!("the editor sent a message pledge cannot read: {e}"))
}

fn extract_error(error: ExtractError<Request>) -> (i32, String) {
    (
        lsp_server::ErrorCode::InvalidParams as i32,
        format!("cannot read the request: {error:?}"),
    )
}

fn response(id: RequestId, result: Result<serde_json::Value, (i32, String)>) -> Response {
    match result {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code, message),
    }
}

fn path_of(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path()
        .ok()
        .map(|p| crate::workspace::normalize(&p))
}
