# Interface targets carrying warnings and sanitizer flags. Link them PRIVATE so they never
# leak into consumers of the installed libraries.
add_library(vsmcp_warnings INTERFACE)
target_compile_options(vsmcp_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual>)

add_library(vsmcp_sanitizers INTERFACE)
if(VSMCP_SANITIZE)
  target_compile_options(vsmcp_sanitizers INTERFACE
    -fsanitize=${VSMCP_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(vsmcp_sanitizers INTERFACE -fsanitize=${VSMCP_SANITIZE})
endif()
install(TARGETS vsmcp_warnings vsmcp_sanitizers EXPORT vsmcpTargets)

# vsmcp_add_library(name SOURCES ...): a static library with the project's layout
# (include/ public, src/ private), a vsmcp:: alias and install rules.
function(vsmcp_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(vsmcp_${name} STATIC ${ARG_SOURCES})
  add_library(vsmcp::${name} ALIAS vsmcp_${name})
  set_target_properties(vsmcp_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(vsmcp_${name}
    PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(vsmcp_${name} PRIVATE vsmcp_warnings vsmcp_sanitizers)
  install(TARGETS vsmcp_${name} EXPORT vsmcpTargets ARCHIVE DESTINATION lib)
  install(DIRECTORY include/ DESTINATION include)
endfunction()

# vsmcp_add_executable(name SOURCES ... LIBS ...)
function(vsmcp_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} vsmcp_warnings vsmcp_sanitizers)
endfunction()
